/**
 * Command-line parsing shared by the `deno task` commands: flags with
 * `--help`, and a clear error naming the bad option and what is allowed.
 *
 * @module
 */
import { parseArgs as nodeParseArgs } from "node:util";
import { ConfigError } from "../lib/config.ts";
import { durationMs } from "../lib/_util/duration.ts";

/** One flag of a command. */
export interface FlagSpec {
  /** `string` takes a value, `boolean` does not. */
  type: "string" | "boolean";
  /** One line for `--help`. */
  help: string;
  /** One-letter alias. */
  short?: string;
  /** Name of a `string` flag's value in `--help` and errors, e.g. `N` or `DIR` (default `<value>`). */
  value?: string;
}

/** Thrown for a bad command line; commands print its message and exit 2. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags of a command, by name. */
export type FlagSpecs = Record<string, FlagSpec>;

/** The value a flag of type `T` parses to: a `string` flag's text, or true for a `boolean`. */
export type FlagValue<T extends FlagSpec["type"]> = T extends "boolean" ? boolean : string;

/**
 * The parsed flags of `S`: each one's value, undefined when it was not
 * given. A flag looked up by a computed name gives `string | boolean |
 * undefined`.
 */
export type Flags<S extends FlagSpecs> =
  & { [K in keyof S]?: FlagValue<S[K]["type"]> }
  & Record<string, string | boolean | undefined>;

/** Parsed flags and positional arguments. */
export interface ParsedArgs<S extends FlagSpecs = FlagSpecs> {
  flags: Flags<S>;
  positionals: string[];
}

/**
 * Parses `args` against `spec`; prints help and exits 0 on `--help`.
 * Unknown flags and missing values throw {@linkcode UsageError}. The
 * result is typed by the spec: a `string` flag gives `string | undefined`,
 * a `boolean` one `boolean | undefined`.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./_args.ts";
 * const { flags } = parseFlags(["--port", "80", "--quiet"], {
 *   port: { type: "string", help: "port" },
 *   quiet: { type: "boolean", help: "say less" },
 * }, "Usage: example");
 * const port: string | undefined = flags.port;
 * const quiet: boolean | undefined = flags.quiet;
 * console.assert(port === "80" && quiet === true);
 * ```
 */
export function parseFlags<const S extends FlagSpecs>(
  args: string[],
  spec: S,
  usage: string,
  options: { positionals?: boolean } = {},
): ParsedArgs<S> {
  const all: Record<string, FlagSpec> = {
    ...spec,
    help: { type: "boolean", help: "show this help", short: "h" },
  };
  if (args.includes("--help") || args.includes("-h")) {
    console.log(helpText(usage, all));
    Deno.exit(0);
  }
  try {
    const { values, positionals } = nodeParseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(all).map((
          [k, v],
        ) => [k, v.short ? { type: v.type, short: v.short } : { type: v.type }]),
      ),
      allowPositionals: options.positionals ?? false,
      strict: true,
    });
    return { flags: values as Flags<S>, positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw new UsageError(
      `${message}\nAllowed options: ${
        Object.entries(all).map(([k, v]) => `--${k}${v.value ? ` ${v.value}` : ""}`).join(", ")
      }`,
    );
  }
}

/** Parses a number flag, naming it and what is allowed when it is wrong. */
export function numberFlag(
  name: string,
  value: string | boolean | undefined,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (
    typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) ||
    (integer && !Number.isInteger(n)) || n < min || n > max
  ) {
    throw new UsageError(
      `Invalid --${name} "${value}": expected ${
        integer ? "an integer" : "a number"
      } from ${min} to ${max}`,
    );
  }
  return n;
}

/**
 * Parses a duration flag with the library's meaning ({@linkcode durationMs}):
 * `250ms`, `30s`, `5m`, `1h`, `"1 second"`; a bare number such as `10` is
 * refused (`Invalid --trigger "10": add a unit, e.g. 10s or 10ms`).
 */
export function durationFlag(
  name: string,
  value: string | boolean | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new UsageError(`Invalid --${name}: expected a duration such as 250ms, 30s, 5m or 1h`);
  }
  return asUsageError(() => durationMs(`--${name}`, value));
}

/**
 * Runs `check` and returns its result; an error it throws becomes a
 * {@linkcode UsageError} with the same message, for arguments validated by
 * library code (a table name, a directory).
 */
export function asUsageError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new UsageError((error as Error)?.message ?? String(error));
  }
}

/** Runs a command's main function: usage and configuration errors print one message and exit 2. */
export async function runMain(main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      Deno.exit(2);
    }
    console.error(`error: ${(error as Error)?.message ?? error}`);
    Deno.exit(1);
  }
}

function helpText(usage: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, v]) => {
    const left = `  ${v.short ? `-${v.short}, ` : ""}--${k}${
      v.type === "string" ? ` ${v.value ?? "<value>"}` : ""
    }`;
    return `${left.padEnd(30)} ${v.help}`;
  });
  return `${usage}\n\nOptions:\n${rows.join("\n")}`;
}

/** Resolves when the process gets Ctrl-C (SIGINT) or SIGTERM; the returned function removes the listeners. */
export function onShutdownSignal(handler: (signal: string) => void): () => void {
  const listeners: [Deno.Signal, () => void][] = (["SIGINT", "SIGTERM"] as Deno.Signal[]).map((
    s,
  ) => [s, () => handler(s)]);
  for (const [s, fn] of listeners) Deno.addSignalListener(s, fn);
  return () => {
    for (const [s, fn] of listeners) Deno.removeSignalListener(s, fn);
  };
}
