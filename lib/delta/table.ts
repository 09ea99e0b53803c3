/**
 * `DeltaTable`: the facade over a Delta table (protocol reader 1 / writer
 * 2) in any storage, a local directory or `s3://bucket/prefix`: create,
 * open, append (exactly-once with `txn`), overwrite, read with time travel,
 * history, describe, optimize, vacuum and log cleanup. The work is done by
 * the snapshot (`snapshot.ts`), the commit loop (`transaction.ts`), the
 * conflict checks (`conflict.ts`) and the operations (`operations/`).
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { AddAction, Commit } from "./actions.ts";
import { listLog, readCommit } from "./log.ts";
import { cleanupExpiredLogs, type CleanupResult, logRetentionMs } from "./cleanup.ts";
import { Snapshot, type SnapshotLoadOptions } from "./snapshot.ts";
import {
  type DeltaStructType,
  formatDeltaType,
  type PolarsSchema,
  polarsSchemaToDelta,
  sameDeltaType,
} from "./schema.ts";
import { DEFAULT_TARGET_FILE_SIZE } from "./write.ts";
import { readDataFiles } from "./read.ts";
import { parseStats } from "./stats.ts";
import { readHistory, type ReadHistoryOptions, type TableHistory } from "./history.ts";
import { describeSnapshot, type TableDescription } from "./describe.ts";
import { TableExistsError, TableNotFoundError } from "./errors.ts";
import { createTableLog } from "./operations/create.ts";
import {
  type AppendOptions,
  type AppendResult,
  appendToSnapshot,
  type OverwriteOptions,
  overwriteSnapshot,
  type WriteContext,
} from "./operations/write.ts";
import {
  type OptimizeOptions,
  type OptimizeResult,
  optimizeSnapshot,
} from "./operations/optimize.ts";
import {
  checkVacuumOptions,
  DEFAULT_RETENTION_HOURS,
  type VacuumOptions,
  type VacuumResult,
  vacuumSnapshot,
} from "./operations/vacuum.ts";
import { orderFiles } from "./operations/_files.ts";
import { openStorage, type Storage } from "./storage/mod.ts";
import { htmlTable, JUPYTER_DISPLAY } from "../jupyter.ts";

export { ENGINE_INFO } from "./transaction.ts";
export { DEFAULT_RETENTION_HOURS };
export type {
  AppendOptions,
  AppendResult,
  OptimizeOptions,
  OptimizeResult,
  OverwriteOptions,
  VacuumOptions,
  VacuumResult,
};
export type { VacuumFailure } from "./operations/vacuum.ts";

/** Options of {@linkcode DeltaTable.create}. */
export interface CreateTableOptions {
  /** Columns to partition by (hive-style directories). Default none. */
  partitionColumns?: string[];
  /**
   * Table properties (string values), e.g. `delta.checkpointInterval`,
   * `delta.appendOnly`, `delta.targetFileSize`. Default `{}`.
   */
  configuration?: Record<string, string>;
  /** Table name recorded in the metadata. Default none. */
  name?: string;
  /** Table description recorded in the metadata. Default none. */
  description?: string;
  /** See {@linkcode OpenTableOptions.clock}. */
  clock?: () => number;
}

/** Options of {@linkcode DeltaTable.open}. */
export interface OpenTableOptions {
  /**
   * The one clock of every timestamp the table writes (commit timestamps,
   * txn `lastUpdated`, file modification and deletion times) and of log
   * retention and vacuum, in epoch milliseconds (tests move it forward).
   * Default `Date.now`.
   */
  clock?: () => number;
}

/** Options of {@linkcode DeltaTable.read}. */
export interface ReadOptions {
  /** Read this version. Default: the latest. */
  version?: number;
  /** Read the newest version committed at or before this instant. Default: the latest. */
  timestamp?: Date | number | string;
}

/**
 * With `delta.autoOptimize.autoCompact`, an append compacts the table once
 * it holds this many files smaller than the target size.
 */
export const AUTO_COMPACT_MIN_FILES = 50;

function storageOf(table: string | Storage, what: string): Storage {
  if (typeof table === "string") {
    if (table === "") throw new TypeError(`Cannot ${what}: path must be a non-empty string`);
    return openStorage(table);
  }
  if (!table || typeof (table as Storage).writeIfAbsent !== "function") {
    throw new TypeError(`Cannot ${what}: path must be a non-empty string`);
  }
  return table;
}

/**
 * A Delta table in a local directory or under `s3://bucket/prefix`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { DeltaTable } from "./table.ts";
 * const dir = await Deno.makeTempDir();
 * const df = pl.DataFrame({ id: [1, 2] }).withColumns(pl.col("id").cast(pl.Int64));
 * const table = await DeltaTable.create(dir, df.schema);
 * const { version } = await table.append(df, { txn: { appId: "query-1", version: 0 } });
 * assert.equal(version, 1);
 * assert.equal((await table.read()).height, 2);
 * assert.equal((await table.append(df, { txn: { appId: "query-1", version: 0 } })).skipped, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DeltaTable {
  /** The table root: an absolute local path or `s3://bucket/prefix`. */
  readonly path: string;
  /** The storage the table is in. */
  readonly storage: Storage;
  #snapshot: Snapshot;
  #clock: () => number;

  private constructor(snapshot: Snapshot, clock: () => number) {
    this.storage = snapshot.storage;
    this.path = snapshot.tablePath;
    this.#snapshot = snapshot;
    this.#clock = clock;
  }

  /**
   * Creates a table at `path` (version 0: protocol 1/2, metaData, commitInfo)
   * from a Polars schema such as `df.schema`, or a Delta struct type. Throws
   * `TableExistsError` when a table is already there.
   */
  static async create(
    table: string | Storage,
    schema: PolarsSchema | DeltaStructType,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    const {
      partitionColumns = [],
      configuration = {},
      name,
      description,
      clock = Date.now,
    } = options;
    const storage = storageOf(table, "create a table");
    await createTableLog(storage, schema, {
      partitionColumns,
      configuration,
      name,
      description,
      now: clock(),
    });
    return await DeltaTable.open(storage, { clock });
  }

  /**
   * Opens the table at `path`, or creates it when there is none. An existing
   * table with other columns or partitioning is refused with
   * `TableExistsError`.
   */
  static async createIfNotExists(
    location: string | Storage,
    schema: PolarsSchema | DeltaStructType,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    let table: DeltaTable;
    const storage = storageOf(location, "create a table");
    const path = storage.location;
    // Opening first: an existing table opens from its last checkpoint,
    // while creating would list its whole log to find it is there.
    try {
      table = await DeltaTable.open(storage, { clock: options.clock });
    } catch (error) {
      if (!(error instanceof TableNotFoundError)) throw error;
      try {
        return await DeltaTable.create(storage, schema, options);
      } catch (error) {
        if (!(error instanceof TableExistsError)) throw error;
        table = await DeltaTable.open(storage, { clock: options.clock });
      }
    }
    const wanted = (schema as DeltaStructType).type === "struct"
      ? schema as DeltaStructType
      : polarsSchemaToDelta(schema as PolarsSchema);
    const have = table.schema;
    const same = have.fields.length === wanted.fields.length &&
      have.fields.every((f, i) =>
        f.name === wanted.fields[i]?.name && sameDeltaType(f.type, wanted.fields[i]!.type)
      ) &&
      JSON.stringify(table.partitionColumns) === JSON.stringify(options.partitionColumns ?? []);
    if (!same) {
      throw new TableExistsError(
        `Cannot create table at ${path}: a table with another schema or partitioning exists there`,
      );
    }
    return table;
  }

  /**
   * Opens the table at `table` (a path, an `s3://` URL or a storage) at its
   * latest version. Throws `TableNotFoundError` when there is none and
   * `UnsupportedTableError` when it needs protocol features pinstream lacks.
   */
  static async open(table: string | Storage, options: OpenTableOptions = {}): Promise<DeltaTable> {
    const storage = storageOf(table, "open a table");
    return new DeltaTable(await Snapshot.load(storage), options.clock ?? Date.now);
  }

  /** True when `table` holds a Delta table (a log with a commit or checkpoint). */
  static async exists(table: string | Storage): Promise<boolean> {
    const listing = await listLog(storageOf(table, "look for a table"));
    return !!listing && (listing.commits.length > 0 || listing.checkpoints.length > 0);
  }

  /** The version of the snapshot this object holds (see {@linkcode refresh}). */
  get version(): number {
    return this.#snapshot.version;
  }

  /** The table's schema. */
  get schema(): DeltaStructType {
    return this.#snapshot.schema;
  }

  /** Partition column names. */
  get partitionColumns(): string[] {
    return this.#snapshot.partitionColumns;
  }

  /** Table properties. */
  get configuration(): Record<string, string> {
    return this.#snapshot.configuration;
  }

  /** The snapshot this object holds. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Reads commits made since this object last looked; returns the new version. */
  async refresh(): Promise<number> {
    await this.#snapshot.update();
    return this.#snapshot.version;
  }

  /** The latest committed batch version of `appId`, or undefined (reads new commits first). */
  async txnVersion(appId: string): Promise<number | undefined> {
    if (typeof appId !== "string" || appId === "") {
      throw new TypeError("Cannot look up a txn: appId must be a non-empty string");
    }
    await this.refresh();
    return this.#snapshot.txnVersion(appId);
  }

  /**
   * Appends the rows of `df` as one commit. Columns are cast to the
   * table's types (missing nullable columns become null; unknown columns
   * are refused). With `txn`, the commit carries the txn action, and a
   * batch already committed for that appId is skipped without writing any
   * file. Lost races are retried at the next version (appends do not
   * conflict); throws `CommitConflictError` after `maxCommitAttempts`, or
   * when the table's schema changed meanwhile. When the table property
   * `delta.autoOptimize.autoCompact` is `true` (or `auto`) and the table
   * holds at least {@linkcode AUTO_COMPACT_MIN_FILES} files smaller than
   * the target size, an OPTIMIZE commit follows the append (best effort:
   * its failure is a warning and the append stands).
   */
  async append(
    df: pl.DataFrame,
    options: AppendOptions & {
      /**
       * Whether the append itself runs the auto-compaction the table
       * property asks for; a caller that runs {@linkcode compactIfDue} at a
       * better moment passes false.
       * @default true
       */
      autoCompact?: boolean;
    } = {},
  ): Promise<AppendResult> {
    const { autoCompact = true, ...appendOptions } = options;
    await this.refresh();
    const result = await appendToSnapshot(this.#snapshot, df, this.#writeOptions(appendOptions));
    if (!result.skipped && autoCompact) await this.compactIfDue();
    return result;
  }

  /**
   * Replaces the table's rows with those of `df` in one commit (operation
   * WRITE, mode Overwrite): every live file is removed and the new ones
   * added. Readers of older versions (time travel) still see the old rows.
   * The rows are cast to the table's schema as in {@linkcode append};
   * a table without live files takes the rows' schema and `partitionBy`.
   * A concurrent append or metadata change throws `CommitConflictError`.
   */
  async overwrite(df: pl.DataFrame, options: OverwriteOptions = {}): Promise<AppendResult> {
    await this.refresh();
    return await overwriteSnapshot(this.#snapshot, df, this.#writeOptions(options));
  }

  /**
   * Reads the table (latest, or the version or timestamp in `options`) into
   * a DataFrame in the table's schema; timestamps are UTC instants.
   */
  async read(options: ReadOptions = {}): Promise<pl.DataFrame> {
    const snapshot = await this.#snapshotFor(options);
    return await readDataFiles(
      this.storage,
      snapshot.schema,
      snapshot.partitionColumns,
      orderFiles(snapshot.files),
    );
  }

  /**
   * The actions of commit `version` (for readers that follow the log, such
   * as a streaming source), or null when that commit file does not exist.
   */
  async commitAt(version: number): Promise<Commit | null> {
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new RangeError(`Cannot read commit ${version}: a version is an integer >= 0`);
    }
    return await readCommit(this.storage, version);
  }

  /** Reads the given data files (add actions of this table) in the table's schema. */
  readFiles(files: readonly AddAction[]): Promise<pl.DataFrame> {
    return readDataFiles(this.storage, this.schema, this.partitionColumns, [...files]);
  }

  /** The newest `limit` rows (from the most recently written files), newest first. */
  async tail(limit = 20): Promise<pl.DataFrame> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`Cannot take ${limit} rows: the limit must be an integer >= 0`);
    }
    await this.refresh();
    const chosen: AddAction[] = [];
    let rows = 0;
    for (const add of orderFiles(this.#snapshot.files).reverse()) {
      if (rows >= limit) break;
      chosen.unshift(add);
      rows += parseStats(add.stats)?.numRecords ?? 0;
    }
    const df = await readDataFiles(this.storage, this.schema, this.partitionColumns, chosen);
    return df.tail(limit).reverse();
  }

  /** The history of the table, newest first (renders as a table in notebooks). */
  history(options: ReadHistoryOptions = {}): Promise<TableHistory> {
    return readHistory(this.storage, options);
  }

  /** Describes the table at its latest version (schema, version, files, rows, size). */
  async describe(name: string | null = null): Promise<TableDescription> {
    await this.refresh();
    return await describeSnapshot(this.#snapshot, name);
  }

  /**
   * Compacts small files: in each partition, files smaller than the target
   * size are read and rewritten as files of about the target size, in one
   * commit of `remove` and `add` actions with `dataChange: false`
   * (operation OPTIMIZE). Concurrent appends do not conflict; a concurrent
   * removal of a compacted file throws `CommitConflictError`.
   */
  async optimize(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    const { targetFileSize = this.#targetFileSize() } = options;
    const n = Number(targetFileSize);
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(
        `Cannot use targetFileSize ${String(targetFileSize)}: it must be an integer > 0`,
      );
    }
    await this.refresh();
    return await optimizeSnapshot(this.#snapshot, {
      targetFileSize: n,
      numIndexedCols: this.#numIndexedCols(),
      now: this.#clock,
    });
  }

  /**
   * Deletes data files the latest version does not reference and that are
   * older than the retention (a removed file's age counts from its removal,
   * an untracked file's from its modification time). Never touches
   * `_delta_log` or paths starting with `_` or `.`. A retention below 168
   * hours is refused (`RangeError`) unless `force` is set. `files` lists
   * only what was deleted; a file that could not be is in `failed`.
   */
  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    const { now = this.#clock() } = options;
    checkVacuumOptions(options);
    await this.refresh();
    return await vacuumSnapshot(this.#snapshot, { ...options, now });
  }

  /**
   * Deletes `_delta_log` files older than `delta.logRetentionDuration`
   * (default 30 days) that the newest checkpoint at or before that age
   * makes unnecessary, once that checkpoint has been read in full;
   * pinstream does this after each checkpoint when
   * `delta.enableExpiredLogCleanup` is true (the default). Time travel to
   * the deleted versions is no longer possible. Does nothing without a
   * checkpoint. An invalid retention property throws `RangeError`.
   */
  async cleanupLogs(options: { now?: number } = {}): Promise<CleanupResult> {
    const { now = this.#clock() } = options;
    return await cleanupExpiredLogs(this.storage, {
      retentionMs: logRetentionMs(this.configuration),
      now,
    });
  }

  /** The notebook face: version, files and schema. */
  [JUPYTER_DISPLAY](): { "text/html": string } {
    return {
      "text/html": htmlTable(
        ["column", "type"],
        this.schema.fields.map((f) => [f.name, formatDeltaType(f.type)]),
        `Delta table ${this.path} at version ${this.version} (${this.#snapshot.files.length} files)`,
      ),
    };
  }

  async #snapshotFor(options: SnapshotLoadOptions): Promise<Snapshot> {
    if (options.version === undefined && options.timestamp === undefined) {
      await this.refresh();
      return this.#snapshot;
    }
    return await Snapshot.load(this.storage, options);
  }

  /**
   * Auto-compaction (Databricks' `delta.autoOptimize.autoCompact`): when
   * that table property is `true` (or `auto`) and the table holds at least
   * {@linkcode AUTO_COMPACT_MIN_FILES} files smaller than the target size,
   * compacts them in an OPTIMIZE commit (`dataChange: false`: readers of any
   * version, and streaming readers of the table, see the same rows). Best
   * effort: a failure is a warning, since compaction only rearranges data.
   * Resolves once done, or at once when nothing is due.
   */
  async compactIfDue(): Promise<void> {
    const setting = (this.configuration["delta.autoOptimize.autoCompact"] ?? "").toLowerCase();
    if (setting !== "true" && setting !== "auto") return;
    await this.refresh();
    const target = this.#targetFileSize();
    const small = this.#snapshot.files.filter((f) => f.size < target).length;
    if (small < AUTO_COMPACT_MIN_FILES) return;
    try {
      await optimizeSnapshot(this.#snapshot, {
        targetFileSize: target,
        numIndexedCols: this.#numIndexedCols(),
        now: this.#clock,
      });
    } catch (error) {
      // Compaction only rearranges data: the append stands without it.
      console.warn(`pinstream: could not auto-compact ${this.path}: ${error}`);
    }
  }

  /** The caller's write options with the table's settings (the caller's targetFileSize wins). */
  #writeOptions<T extends { targetFileSize?: number }>(options: T): T & WriteContext {
    return {
      ...options,
      targetFileSize: options.targetFileSize ?? this.#targetFileSize(),
      numIndexedCols: this.#numIndexedCols(),
      now: this.#clock,
    };
  }

  #targetFileSize(): number {
    const value = Number(this.configuration["delta.targetFileSize"]);
    return value > 0 ? value : DEFAULT_TARGET_FILE_SIZE;
  }

  #numIndexedCols(): number {
    const value = Number(this.configuration["delta.dataSkippingNumIndexedCols"] ?? 32);
    return Number.isInteger(value) ? value : 32;
  }
}
