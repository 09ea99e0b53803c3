/**
 * `deno task data`: writes a generated source directory
 * (`pin.ndjson`, `geo.ndjson`, `user.ndjson`) for the emitter and the
 * batch job.
 *
 * @module
 */
import { generateTables, writeSource } from "../lib/data/mod.ts";
import { numberFlag, parseFlags, runMain } from "./_args.ts";

const USAGE = `Usage: deno task data [--rows N] [--seed N] [--out DIR]

Generates the three source tables (pin, geo, user) of the course's
Pinterest database with a seeded generator and writes them as NDJSON.`;

async function main(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    rows: {
      type: "string",
      value: "N",
      help: "rows per table, an integer from 1 to 1000000 (default 11000)",
    },
    seed: {
      type: "string",
      value: "N",
      help: "seed of the generator, an integer (default 100); the same seed gives the same files",
    },
    out: {
      type: "string",
      value: "DIR",
      help: "directory to write pin.ndjson, geo.ndjson and user.ndjson to (default data/pinterest)",
    },
  }, USAGE);
  const rows = numberFlag("rows", flags.rows, { min: 1, max: 1_000_000 }) ?? 11_000;
  const seed = numberFlag("seed", flags.seed, { min: Number.MIN_SAFE_INTEGER }) ?? 100;
  const out = flags.out ?? "data/pinterest";
  const started = performance.now();
  const written = await writeSource(out, generateTables({ rows, seed }));
  const ms = Math.round(performance.now() - started);
  for (const file of written) console.log(`wrote ${file.path}: ${file.rows} rows`);
  console.log(`generated with seed ${seed} in ${ms} ms`);
}

if (import.meta.main) await runMain(() => main(Deno.args));
