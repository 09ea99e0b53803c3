/**
 * `deno task table <history|describe|optimize|vacuum> <table>`: maintenance
 * and inspection of a Delta table by name, like `DESCRIBE HISTORY`,
 * `DESCRIBE DETAIL`, `OPTIMIZE` and `VACUUM` in Databricks.
 *
 * @module
 */
import pl from "nodejs-polars";
import { Catalog } from "../lib/catalog.ts";
import { DEFAULT_RETENTION_HOURS } from "../lib/delta/mod.ts";
import {
  asUsageError,
  type FlagSpecs,
  numberFlag,
  parseFlags,
  runMain,
  UsageError,
} from "./_args.ts";

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
             default.12c0d092d679_pin_table ([A-Za-z0-9_]+)`;

const FLAGS = {
  limit: {
    type: "string",
    value: "N",
    help: "history: newest N commits, an integer >= 1 (default all)",
  },
  "target-file-size": {
    type: "string",
    value: "BYTES",
    help: "optimize: target file size, an integer >= 1 " +
      "(default the table's delta.targetFileSize or 134217728)",
  },
  "retention-hours": {
    type: "string",
    value: "H",
    help: `vacuum: keep files younger than H hours, a number >= 0 ` +
      `(default ${DEFAULT_RETENTION_HOURS}; below ${DEFAULT_RETENTION_HOURS} needs --force)`,
  },
  force: {
    type: "boolean",
    help: `vacuum: allow a retention below ${DEFAULT_RETENTION_HOURS} hours`,
  },
  "dry-run": { type: "boolean", help: "vacuum: list the files without deleting them" },
  lakehouse: {
    type: "string",
    value: "DIR",
    help: "lakehouse directory (default: env LAKEHOUSE_DIR, else ./lakehouse)",
  },
} as const satisfies FlagSpecs;

const ONLY_FOR: Record<string, Command> = {
  limit: "history",
  "target-file-size": "optimize",
  "retention-hours": "vacuum",
  force: "vacuum",
  "dry-run": "vacuum",
};

async function main(args: string[]): Promise<void> {
  const { flags, positionals } = parseFlags(args, FLAGS, USAGE, { positionals: true });
  const [command, name, ...extra] = positionals;
  if (!command) throw new UsageError(`Missing the command: expected one of ${COMMANDS.join(", ")}`);
  if (!COMMANDS.includes(command as Command)) {
    throw new UsageError(`Unknown command "${command}": expected one of ${COMMANDS.join(", ")}`);
  }
  if (!name) {
    throw new UsageError("Missing the table name: give one table such as 12c0d092d679_pin_table");
  }
  if (extra.length > 0) {
    throw new UsageError(
      `Too many arguments (${extra.join(" ")}): give one command and one table`,
    );
  }
  for (const [option, only] of Object.entries(ONLY_FOR)) {
    if (flags[option] !== undefined && only !== command) {
      throw new UsageError(`Option --${option} applies to ${only} only, not to ${command}`);
    }
  }
  const force = flags.force === true;
  const retentionHours = numberFlag("retention-hours", flags["retention-hours"], {
    integer: false,
  });
  if (retentionHours !== undefined && retentionHours < DEFAULT_RETENTION_HOURS && !force) {
    throw new UsageError(
      `Invalid --retention-hours ${retentionHours}: below ${DEFAULT_RETENTION_HOURS} hours ` +
        "vacuum can delete files that readers of recent versions still need; add --force to do it anyway",
    );
  }
  const limit = numberFlag("limit", flags.limit, { min: 1 });
  const targetFileSize = numberFlag("target-file-size", flags["target-file-size"], { min: 1 });
  const catalog = asUsageError(() => {
    const catalog = new Catalog({ lakehouseDir: flags.lakehouse });
    catalog.tablePath(name);
    return catalog;
  });
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
        force,
        dryRun: flags["dry-run"] === true,
      });
      const verb = result.dryRun ? "would delete" : "deleted";
      for (const file of result.files) console.log(`${verb} ${file}`);
      console.log(`${name}: ${verb} ${result.files.length} files (${result.bytes} bytes)`);
      break;
    }
  }
}

if (import.meta.main) await runMain(() => main(Deno.args));
