/**
 * `deno task table <history|describe|optimize|vacuum> <table>`: maintenance
 * and inspection of a Delta table by name, like `DESCRIBE HISTORY`,
 * `DESCRIBE DETAIL`, `OPTIMIZE` and `VACUUM` in Databricks.
 *
 * @module
 */
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import { Catalog } from "../lib/catalog.ts";
import { DEFAULT_RETENTION_HOURS } from "../lib/delta/mod.ts";

const COMMANDS = ["history", "describe", "optimize", "vacuum"] as const;
type Command = typeof COMMANDS[number];

const USAGE = `Usage: deno task table <command> <table> [options]

Commands:
  history    the table's commits, newest first (version, time, operation,
             parameters, metrics)
  describe   schema, version, files, rows, size and properties
  optimize   compact small files into files of about the target size
             (one OPTIMIZE commit; no data change)
  vacuum     delete data files no longer referenced and older than the
             retention

Arguments:
  <table>    a table name such as 12c0d092d679_pin_table or
             default.12c0d092d679_pin_table ([A-Za-z0-9_]+)

Options:
  --limit N                history: newest N commits, an integer >= 1 (default all)
  --target-file-size BYTES optimize: target file size, an integer >= 1
                           (default the table's delta.targetFileSize or 134217728)
  --retention-hours H      vacuum: keep files younger than H hours, a number >= 0
                           (default ${DEFAULT_RETENTION_HOURS}; below ${DEFAULT_RETENTION_HOURS} needs --force)
  --force                  vacuum: allow a retention below ${DEFAULT_RETENTION_HOURS} hours
  --dry-run                vacuum: list the files without deleting them
  --lakehouse DIR          lakehouse directory (default: env LAKEHOUSE_DIR, else ./lakehouse)
  -h, --help               show this help`;

const ALLOWED = "allowed options are --limit N, --target-file-size BYTES, " +
  "--retention-hours H, --force, --dry-run, --lakehouse DIR, --help";

const ONLY_FOR: Record<string, Command> = {
  limit: "history",
  "target-file-size": "optimize",
  "retention-hours": "vacuum",
  force: "vacuum",
  "dry-run": "vacuum",
};

function fail(message: string): never {
  console.error(`error: ${message}`);
  console.error("Run `deno task table --help` for usage");
  Deno.exit(2);
}

function integer(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) {
    fail(`Invalid --${name} "${text}": expected an integer >= ${min}`);
  }
  return Number(text);
}

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        limit: { type: "string" },
        "target-file-size": { type: "string" },
        "retention-hours": { type: "string" },
        force: { type: "boolean" },
        "dry-run": { type: "boolean" },
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
  const [command, name, ...extra] = positionals;
  if (!command) fail(`Missing the command: expected one of ${COMMANDS.join(", ")}`);
  if (!COMMANDS.includes(command as Command)) {
    fail(`Unknown command "${command}": expected one of ${COMMANDS.join(", ")}`);
  }
  if (!name) fail(`Missing the table name: give one table such as 12c0d092d679_pin_table`);
  if (extra.length > 0) {
    fail(`Too many arguments (${extra.join(" ")}): give one command and one table`);
  }
  for (const [option, only] of Object.entries(ONLY_FOR)) {
    if ((values as Record<string, unknown>)[option] !== undefined && only !== command) {
      fail(`Option --${option} applies to ${only} only, not to ${command}`);
    }
  }
  let retentionHours: number | undefined;
  if (values["retention-hours"] !== undefined) {
    const text = values["retention-hours"];
    if (!/^\d+(\.\d+)?$/.test(text)) {
      fail(`Invalid --retention-hours "${text}": expected a number >= 0`);
    }
    retentionHours = Number(text);
    if (retentionHours < DEFAULT_RETENTION_HOURS && !values.force) {
      fail(
        `Invalid --retention-hours ${text}: below ${DEFAULT_RETENTION_HOURS} hours vacuum can ` +
          "delete files that readers of recent versions still need; add --force to do it anyway",
      );
    }
  }
  const limit = values.limit === undefined ? undefined : integer("limit", values.limit, 1);
  const targetFileSize = values["target-file-size"] === undefined
    ? undefined
    : integer("target-file-size", values["target-file-size"], 1);
  let catalog: Catalog;
  try {
    catalog = new Catalog({ lakehouseDir: values.lakehouse });
    catalog.tablePath(name);
  } catch (error) {
    fail((error as Error).message);
  }
  try {
    const table = await catalog.open(name);
    switch (command as Command) {
      case "history": {
        const history = await table.history({ limit });
        pl.Config.setTblRows(history.length);
        pl.Config.setTblCols(-1);
        pl.Config.setTblWidthChars(200);
        console.log(
          pl.DataFrame({
            version: history.map((h) => h.version),
            timestamp: history.map((h) => h.timestamp.toISOString()),
            operation: history.map((h) => h.operation),
            parameters: history.map((h) => JSON.stringify(h.operationParameters)),
            metrics: history.map((h) => JSON.stringify(h.operationMetrics)),
          }).withColumns(pl.col("version").cast(pl.Int64)).toString(),
        );
        break;
      }
      case "describe":
        console.log(String(await catalog.describe(name)));
        break;
      case "optimize": {
        const result = await table.optimize({ targetFileSize });
        console.log(
          result.filesRemoved === 0
            ? `${name}: nothing to compact at version ${result.version}`
            : `${name}: compacted ${result.filesRemoved} files into ${result.filesAdded} ` +
              `(${result.rows} rows) at version ${result.version}`,
        );
        break;
      }
      case "vacuum": {
        const result = await table.vacuum({
          retentionHours,
          force: values.force ?? false,
          dryRun: values["dry-run"] ?? false,
        });
        const verb = result.dryRun ? "would delete" : "deleted";
        for (const file of result.files) console.log(`${verb} ${file}`);
        console.log(`${name}: ${verb} ${result.files.length} files (${result.bytes} bytes)`);
        break;
      }
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

if (import.meta.main) await main(Deno.args);
