/**
 * The batch job of the walkthrough, the batch twin of the streaming
 * pipeline: reads the three source NDJSON files, cleans them with the
 * functions the streaming queries use (`lib/clean/`), and writes the Delta
 * tables `<USER_ID>_pin_batch`, `<USER_ID>_geo_batch` and
 * `<USER_ID>_user_batch` in the catalog (`<lakehouse>/default/<table>/`).
 * `deno task batch` is its command line.
 *
 * @example
 * ```ts ignore
 * import { runBatch } from "./batch.ts";
 * const reports = await runBatch({ source: "data/pinterest", lakehouse: "./lakehouse" });
 * console.log(reports.map((r) => `${r.table}: ${r.rows} rows`));
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { cleanGeo, cleanPin, type CleanResult, cleanUser, RAW_SCHEMAS } from "./clean/mod.ts";
import { RECORD_KINDS, type RecordKind } from "./records.ts";
import { Catalog, DEFAULT_DATABASE } from "./catalog.ts";
import { ConfigError, DEFAULT_USER_ID } from "./config.ts";

/** Options of {@linkcode runBatch}. */
export interface BatchOptions {
  /** Directory holding `pin.ndjson`, `geo.ndjson`, `user.ndjson`. Default `data/pinterest`. */
  source?: string;
  /** Lakehouse root. Default `$LAKEHOUSE_DIR`, else `./lakehouse`. */
  lakehouse?: string;
  /** Table name prefix. Default `$USER_ID`, else `12c0d092d679`. */
  userId?: string;
  /** Where progress lines go. Default `console.log`. */
  log?: (line: string) => void;
}

/** What {@linkcode runBatch} did for one table. */
export interface BatchTableReport {
  kind: RecordKind;
  table: string;
  /** Directory the table was written to. */
  path: string;
  rows: number;
  nulled: Record<string, number>;
  invalid: Record<string, number>;
}

const CLEANERS: Record<RecordKind, (frame: pl.LazyDataFrame) => Promise<CleanResult>> = {
  pin: cleanPin,
  geo: cleanGeo,
  user: cleanUser,
};

const USER_ID_RE = /^[A-Za-z0-9_]+$/;

/**
 * Writes `df` as the whole content of the Delta table `default.<table>` in
 * the catalog of `lakehouse`, and returns the table's directory. A batch
 * table is rebuilt from the source on every run: an existing one is
 * dropped and created again (there is no overwrite commit yet), so its
 * history starts afresh. A directory there that is not a Delta table is
 * left alone (an error).
 */
export async function writeBatchTable(
  lakehouse: string,
  table: string,
  df: pl.DataFrame,
): Promise<string> {
  const catalog = new Catalog({ lakehouseDir: lakehouse });
  const name = `${DEFAULT_DATABASE}.${table}`;
  await catalog.drop(name);
  const delta = await catalog.create(name, df.schema, {
    description: "pinstream batch table, cleaned from the source NDJSON by deno task batch",
  });
  await delta.append(df, { operationParameters: { mode: "Overwrite", partitionBy: "[]" } });
  return catalog.tablePath(name);
}

/**
 * Returns `userId` when it can prefix the batch tables' names (letters,
 * digits and _ only), and throws a `RangeError` saying so otherwise.
 */
export function checkBatchUserId(userId: string): string {
  if (!USER_ID_RE.test(userId)) {
    throw new RangeError(
      `Cannot run batch: user id "${userId}" must be letters, digits and _ only`,
    );
  }
  return userId;
}

function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/**
 * Cleans the three source files into the three batch tables and returns
 * what was written. Each source file is read with the raw schema of its
 * kind, so that a missing key reads as null.
 */
export async function runBatch(options: BatchOptions = {}): Promise<BatchTableReport[]> {
  const {
    source = "data/pinterest",
    lakehouse = Deno.env.get("LAKEHOUSE_DIR") ?? "lakehouse",
    userId = Deno.env.get("USER_ID") ?? DEFAULT_USER_ID,
    log = console.log,
  } = options;
  checkBatchUserId(userId);
  const paths = RECORD_KINDS.map((kind) => join(source, `${kind}.ndjson`));
  for (const path of paths) {
    try {
      await Deno.stat(path);
    } catch (error) {
      throw new ConfigError(
        "--source",
        `Cannot run batch: ${path} is missing (generate it with deno task data, or pass --source DIR)`,
        { cause: error },
      );
    }
  }
  const reports: BatchTableReport[] = [];
  for (const [i, kind] of RECORD_KINDS.entries()) {
    const path = paths[i]!;
    const table = `${userId}_${kind}_batch`;
    let result: CleanResult;
    try {
      result = await CLEANERS[kind](pl.scanJson(path, { schema: RAW_SCHEMAS[kind] }));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new Error(`Cannot clean ${path}: ${reason}`, { cause: error });
    }
    const dir = await writeBatchTable(lakehouse, table, result.df);
    const rows = result.df.height;
    reports.push({ kind, table, path: dir, rows, nulled: result.nulled, invalid: result.invalid });
    log(`${table}: ${rows} rows from ${path} -> ${dir}`);
    log(`  nulled placeholders: ${formatCounts(result.nulled)}`);
    log(`  nulled unconvertible: ${formatCounts(result.invalid)}`);
  }
  return reports;
}
