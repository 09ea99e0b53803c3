/**
 * `deno task analytics`: answers the course's nine analytics questions from
 * the silver tables `<USER_ID>_{pin,geo,user}_table` once, and writes them
 * as the gold Delta tables `<USER_ID>_<name>` in `<lakehouse>/default/`
 * (created when missing, replaced by an overwrite commit otherwise),
 * printing each table's row count and version.
 *
 * @module
 */
import { Catalog } from "../lib/catalog.ts";
import { loadConfig } from "../lib/config.ts";
import { computeGold, readSilverTables, writeGoldTables } from "../lib/analytics/mod.ts";
import { parseFlags, runMain } from "./_args.ts";

const USAGE = `Usage: deno task analytics [--lakehouse DIR] [--user-id ID]

Reads the silver tables default.<USER_ID>_pin_table, _geo_table and
_user_table, answers the nine analytics questions of the course, and writes
each answer as the gold table default.<USER_ID>_<name> (overwriting the
previous answer in a new version; older versions stay readable).`;

async function main(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    lakehouse: {
      type: "string",
      value: "DIR",
      help: "lakehouse directory (default: env LAKEHOUSE_DIR, else ./lakehouse)",
    },
    "user-id": {
      type: "string",
      value: "ID",
      help: "user id of the table names, 1 to 64 letters or digits (default: env USER_ID, " +
        "else 12c0d092d679)",
    },
  }, USAGE);
  const config = loadConfig({
    flags: {
      lakehouse: flags.lakehouse as string | undefined,
      userId: flags["user-id"] as string | undefined,
    },
  });
  const catalog = new Catalog({ lakehouseDir: config.lakehouseDir });
  const started = performance.now();
  const silver = await readSilverTables(catalog, config.userId);
  const read = performance.now();
  const gold = computeGold(silver);
  const computed = performance.now();
  const reports = await writeGoldTables(catalog, config.userId, { gold });
  const written = performance.now();
  console.log(`Gold tables of ${config.userId} in ${catalog.lakehouseDir}/default:`);
  const width = Math.max(...reports.map((r) => r.table.length));
  for (const { table, rows, version } of reports) {
    console.log(`  ${table.padEnd(width)}  ${String(rows).padStart(6)} rows  version ${version}`);
  }
  const ms = (a: number, b: number) => `${Math.round(b - a)} ms`;
  console.log(
    `read silver in ${ms(started, read)}, computed in ${ms(read, computed)}, ` +
      `written in ${ms(computed, written)}`,
  );
}

if (import.meta.main) await runMain(() => main(Deno.args));
