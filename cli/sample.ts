/**
 * `deno task sample <table> [--limit 20]`: prints the newest rows of a
 * Delta table as a table, like the Sample Data tab of Databricks' catalog.
 *
 * @module
 */
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import { Catalog } from "../lib/catalog.ts";

const USAGE = `Usage: deno task sample <table> [--limit N] [--lakehouse DIR]

Prints the newest rows of a Delta table (from the most recently written
files), newest first, with the table's version and row count.

Arguments:
  <table>          a table name such as 12c0d092d679_pin_table or
                   default.12c0d092d679_pin_table ([A-Za-z0-9_]+)

Options:
  --limit N        rows to show, an integer from 1 to 10000 (default 20)
  --lakehouse DIR  lakehouse directory (default: env LAKEHOUSE_DIR, else ./lakehouse)
  -h, --help       show this help`;

const ALLOWED = "allowed options are --limit N, --lakehouse DIR, --help";

function fail(message: string): never {
  console.error(`error: ${message}`);
  console.error("Run `deno task sample --help` for usage");
  Deno.exit(2);
}

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        limit: { type: "string" },
        lakehouse: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const reason = ((error as Error).message.split("\n")[0] ?? "").split(". ")[0]?.replace(
      /\.$/,
      "",
    );
    fail(`${reason}: ${ALLOWED}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) {
    fail(
      positionals.length === 0
        ? "Missing the table name: give one table such as 12c0d092d679_pin_table"
        : `Too many arguments (${positionals.join(" ")}): give exactly one table name`,
    );
  }
  const limitText = values.limit ?? "20";
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 10_000) {
    fail(`Invalid --limit "${limitText}": expected an integer from 1 to 10000`);
  }
  let catalog: Catalog;
  let name: string;
  try {
    catalog = new Catalog({ lakehouseDir: values.lakehouse });
    name = positionals[0]!;
    catalog.tablePath(name);
  } catch (error) {
    fail((error as Error).message);
  }
  try {
    const table = await catalog.open(name);
    const description = await table.describe();
    const rows = await table.tail(Number(limitText));
    pl.Config.setTblRows(Number(limitText));
    pl.Config.setTblCols(-1);
    console.log(
      `${name} at version ${table.version}: ${description.rows} rows in ${description.files} files; ` +
        `newest ${rows.height} first`,
    );
    console.log(rows.toString());
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

if (import.meta.main) await main(Deno.args);
