/**
 * The emitter's flags, shared by `deno task emit` and `deno task stream`:
 * one spec, one parser, so both commands take the same options with the same
 * limits and messages.
 *
 * @module
 */
import { DEFAULT_SOURCE_DIR, type EmitOptions, MAX_BATCH } from "../lib/emit/mod.ts";
import { durationFlag, type Flags, type FlagSpecs, numberFlag } from "./_args.ts";

/** The flags that shape what the emitter sends. */
export const EMIT_FLAGS = {
  count: { type: "string", help: "send N rows per stream, then stop" },
  rate: { type: "string", help: "rows per second per stream, no pause (default: 0-2 s pause)" },
  duration: { type: "string", help: "stop after this long, e.g. 30s, 5m" },
  batch: {
    type: "string",
    help:
      `rows per PutRecords request through /records, 2 to ${MAX_BATCH} (default: one PUT per row)`,
  },
  seed: { type: "string", help: "PRNG seed that picks the rows (default random, printed)" },
  source: { type: "string", help: `source directory (default ${DEFAULT_SOURCE_DIR})` },
} as const satisfies FlagSpecs;

/** The emitter options the {@linkcode EMIT_FLAGS} give; throws UsageError for a bad value. */
export function emitOptionsFromFlags(
  flags: Flags<typeof EMIT_FLAGS>,
): Pick<EmitOptions, "count" | "rate" | "durationMs" | "batch" | "seed" | "source"> {
  const batch = numberFlag("batch", flags.batch, { min: 1, max: MAX_BATCH });
  return {
    count: numberFlag("count", flags.count, { min: 1 }),
    rate: numberFlag("rate", flags.rate, { min: 0.001, max: 1_000_000, integer: false }),
    durationMs: durationFlag("duration", flags.duration),
    batch: batch !== undefined && batch > 1 ? batch : 0,
    seed: numberFlag("seed", flags.seed, { min: 0, max: 2 ** 32 - 1 }),
    source: flags.source ?? DEFAULT_SOURCE_DIR,
  };
}
