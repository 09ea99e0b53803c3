/**
 * `deno task batch`: the command line of the batch job (`lib/batch.ts`):
 * reads the three source NDJSON files, cleans them as the streaming queries
 * do, and writes the batch tables `<USER_ID>_{pin,geo,user}_batch`,
 * printing row counts and the values nulled per column.
 *
 * @module
 */
import { type BatchOptions, checkBatchUserId, runBatch } from "../lib/batch.ts";
import { DEFAULT_USER_ID } from "../lib/config.ts";
import { asUsageError, parseFlags, runMain, UsageError } from "./_args.ts";

const USAGE = `Usage: deno task batch [options]

Reads <source>/{pin,geo,user}.ndjson, cleans them as the streaming queries do,
and writes the Delta tables default.<USER_ID>_pin_batch, _geo_batch and
_user_batch under <lakehouse>/default/, replacing earlier runs' tables.`;

/**
 * The options from the command line and the environment; prints the help
 * and exits on `--help`, and throws a {@linkcode UsageError} naming a bad
 * option and what is allowed.
 */
export function parseBatchArgs(args: string[]): Required<Omit<BatchOptions, "log">> {
  const { flags } = parseFlags(args, {
    source: {
      type: "string",
      value: "DIR",
      help: "directory holding pin.ndjson, geo.ndjson and user.ndjson (default: data/pinterest)",
    },
    lakehouse: {
      type: "string",
      value: "DIR",
      help: "lakehouse root (default: $LAKEHOUSE_DIR or ./lakehouse)",
    },
    "user-id": {
      type: "string",
      value: "ID",
      help: "prefix of the table names, letters, digits and _ (default: $USER_ID or 12c0d092d679)",
    },
  }, USAGE);
  for (const name of ["source", "lakehouse"] as const) {
    if (flags[name] === "") throw new UsageError(`Cannot run batch: --${name} needs a directory`);
  }
  return {
    source: flags.source ?? "data/pinterest",
    lakehouse: flags.lakehouse ?? Deno.env.get("LAKEHOUSE_DIR") ??
      "lakehouse",
    userId: asUsageError(() =>
      checkBatchUserId(flags["user-id"] ?? Deno.env.get("USER_ID") ?? DEFAULT_USER_ID)
    ),
  };
}

if (import.meta.main) {
  await runMain(async () => {
    await runBatch(parseBatchArgs(Deno.args));
  });
}
