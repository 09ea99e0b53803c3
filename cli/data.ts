/**
 * `deno task data`: writes a generated source directory
 * (`pin.ndjson`, `geo.ndjson`, `user.ndjson`) for the emitter and the
 * batch job.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { generateTables, writeSource } from "../lib/data/mod.ts";

const USAGE = `Usage: deno task data [--rows N] [--seed N] [--out DIR]

Generates the three source tables (pin, geo, user) of the course's
Pinterest database with a seeded generator and writes them as NDJSON.

Options:
  --rows N    rows per table, an integer from 1 to 1000000 (default 11000)
  --seed N    seed of the generator, an integer (default 100); the same
              seed always gives the same files
  --out DIR   directory to write pin.ndjson, geo.ndjson and user.ndjson to
              (default data/pinterest)
  -h, --help  show this help`;

const ALLOWED = "allowed options are --rows N, --seed N, --out DIR, --help";

function fail(message: string): never {
  console.error(`error: ${message}`);
  console.error("Run `deno task data --help` for usage");
  Deno.exit(2);
}

function integerOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim())) fail(`Invalid --${name} "${text}": expected an integer`);
  return Number(text);
}

async function main(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        rows: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const reason = ((error as Error).message.split("\n")[0] ?? "").split(". ")[0]?.replace(
      /\.$/,
      "",
    );
    fail(`${reason}: ${ALLOWED}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const rows = integerOption("rows", values.rows, 11_000);
  if (rows < 1 || rows > 1_000_000) {
    fail(`Invalid --rows ${rows}: expected an integer from 1 to 1000000`);
  }
  const seed = integerOption("seed", values.seed, 100);
  const out = values.out ?? "data/pinterest";
  const started = performance.now();
  const written = await writeSource(out, generateTables({ rows, seed }));
  const ms = Math.round(performance.now() - started);
  for (const file of written) console.log(`wrote ${file.path}: ${file.rows} rows`);
  console.log(`generated with seed ${seed} in ${ms} ms`);
}

if (import.meta.main) await main(Deno.args);
