/**
 * `deno task sample <table> [--limit 20]`: prints the newest rows of a
 * Delta table as a table, like the Sample Data tab of Databricks' catalog.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Catalog } from "../lib/catalog.ts";
import { asUsageError, numberFlag, parseFlags, runMain, UsageError } from "./_args.ts";

const USAGE = `Usage: deno task sample <table> [--limit N] [--lakehouse DIR]

Prints the newest rows of a Delta table (from the most recently written
files), newest first, with the table's version and row count.

Arguments:
  <table>          a table name such as 12c0d092d679_pin_table or
                   default.12c0d092d679_pin_table ([A-Za-z0-9_]+)`;

async function main(args: string[]): Promise<void> {
  const { flags, positionals } = parseFlags(
    args,
    {
      limit: {
        type: "string",
        value: "N",
        help: "rows to show, an integer from 1 to 10000 (default 20)",
      },
      lakehouse: {
        type: "string",
        value: "DIR",
        help: "lakehouse directory (default: env LAKEHOUSE_DIR, else ./lakehouse)",
      },
    },
    USAGE,
    { positionals: true },
  );
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Missing the table name: give one table such as 12c0d092d679_pin_table"
        : `Too many arguments (${positionals.join(" ")}): give exactly one table name`,
    );
  }
  const name = positionals[0]!;
  const limit = numberFlag("limit", flags.limit, { min: 1, max: 10_000 }) ?? 20;
  const catalog = asUsageError(() => {
    const catalog = new Catalog({ lakehouseDir: flags.lakehouse });
    catalog.tablePath(name);
    return catalog;
  });
  const table = await catalog.open(name);
  const description = await table.describe();
  const rows = await table.tail(limit);
  pl.Config.setTblRows(limit);
  pl.Config.setTblCols(-1);
  console.log(
    `${name} at version ${table.version}: ${description.rows} rows in ${description.files} files; ` +
      `newest ${rows.height} first`,
  );
  console.log(rows.toString());
}

if (import.meta.main) await runMain(() => main(Deno.args));
