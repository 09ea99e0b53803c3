/**
 * `DeltaTable`: create, open, append (exactly-once with `txn`), read with
 * time travel, history, optimize and vacuum a Delta table on the local file
 * system, by protocol reader 1 / writer 2.
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import type pl from "nodejs-polars";
import config from "../../deno.json" with { type: "json" };
import type { Action, AddAction, Commit, CommitInfoAction, RemoveAction } from "./actions.ts";
import { serializeActions } from "./actions.ts";
import { commitFileName, listLog, LOG_DIR, putIfAbsent, readCommit } from "./log.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import {
  cleanupExpiredLogs,
  type CleanupResult,
  logCleanupEnabled,
  logRetentionMs,
} from "./cleanup.ts";
import { Snapshot, type SnapshotLoadOptions } from "./snapshot.ts";
import {
  type DeltaStructType,
  formatDeltaType,
  type PolarsSchema,
  polarsSchemaToDelta,
  sameDeltaType,
} from "./schema.ts";
import { conformToSchema, DEFAULT_TARGET_FILE_SIZE, writeDataFiles } from "./write.ts";
import { dataFilePath, readDataFiles } from "./read.ts";
import { parseStats } from "./stats.ts";
import { readHistory, type ReadHistoryOptions, type TableHistory } from "./history.ts";
import { describeSnapshot, type TableDescription } from "./describe.ts";
import { decodeAddPath } from "./partition.ts";
import { CommitConflictError, TableExistsError, UnsupportedTableError } from "./errors.ts";
import { htmlTable, JUPYTER_DISPLAY } from "./_html.ts";

/** What pinstream writes as `commitInfo.engineInfo`. */
export const ENGINE_INFO = `pinstream/${config.version}`;

const HOUR_MS = 3_600_000;
/** The default and minimum safe vacuum retention: 7 days. */
export const DEFAULT_RETENTION_HOURS = 168;

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
   * The clock for log retention, in epoch milliseconds (tests move it
   * forward to expire log files). Default `Date.now`.
   */
  clock?: () => number;
}

/** Options of {@linkcode DeltaTable.append}. */
export interface AppendOptions {
  /**
   * Exactly-once marker: written as a `txn` action in the same commit; when
   * the table already holds `appId` at `version` or above, the append does
   * nothing. Default none.
   */
  txn?: { appId: string; version: number };
  /** `commitInfo.operation`: `WRITE` or `STREAMING UPDATE`. Default `WRITE`. */
  operation?: "WRITE" | "STREAMING UPDATE";
  /**
   * `commitInfo.operationParameters`; values are stored as strings, as Spark
   * does. Default `{mode: "Append", partitionBy: "[...]"}` for WRITE, and
   * for STREAMING UPDATE pass `{outputMode, queryId, epochId}`.
   */
  operationParameters?: Record<string, unknown>;
  /** Target data file size in bytes. Default `delta.targetFileSize` or 128 MiB. */
  targetFileSize?: number;
  /** How many times to try the next version when other writers win. Default 100. */
  maxCommitAttempts?: number;
  /**
   * Called after the data files are written and before the commit (an
   * instrumentation hook: tests use it to crash a writer at that point).
   * Default none.
   */
  beforeCommit?: () => void | Promise<void>;
}

/**
 * Options of {@linkcode DeltaTable.overwrite}: those of an append but the
 * operation, which is always `WRITE` with mode `Overwrite`.
 */
export type OverwriteOptions = Omit<AppendOptions, "operation" | "operationParameters">;

/** What an append did. */
export interface AppendResult {
  /** The version committed, or the table's version when skipped. */
  version: number;
  /** True when `txn` showed the batch was already committed (nothing written). */
  skipped: boolean;
  /** Number of data files added. */
  files: number;
  /** Number of rows added. */
  rows: number;
  /** Bytes of data files added. */
  bytes: number;
  /** Paths of the files added (as in the add actions). */
  paths: string[];
}

/** Options of {@linkcode DeltaTable.read}. */
export interface ReadOptions {
  /** Read this version. Default: the latest. */
  version?: number;
  /** Read the newest version committed at or before this instant. Default: the latest. */
  timestamp?: Date | number | string;
}

/** Options of {@linkcode DeltaTable.optimize}. */
export interface OptimizeOptions {
  /** Compact files smaller than this into files of about this size. Default `delta.targetFileSize` or 128 MiB. */
  targetFileSize?: number;
}

/** What an optimize did. */
export interface OptimizeResult {
  /** The version committed, or the table's version when there was nothing to do. */
  version: number;
  /** Files removed (compacted). */
  filesRemoved: number;
  /** Files added. */
  filesAdded: number;
  /** Rows rewritten. */
  rows: number;
}

/** Options of {@linkcode DeltaTable.vacuum}. */
export interface VacuumOptions {
  /** Keep unreferenced files younger than this many hours. Default 168 (7 days). */
  retentionHours?: number;
  /** Allow a retention below 168 hours (may break readers of old versions). Default false. */
  force?: boolean;
  /** List what would be deleted without deleting. Default false. */
  dryRun?: boolean;
  /** The current time in epoch milliseconds. Default `Date.now()`. */
  now?: number;
}

/** What a vacuum did (or would do, on a dry run). */
export interface VacuumResult {
  /** True when nothing was deleted because it was a dry run. */
  dryRun: boolean;
  /** Paths, relative to the table root, deleted (or to delete). */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
}

function stringValues(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

function positiveInteger(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`Cannot use ${what} ${String(value)}: it must be an integer > 0`);
  }
  return n;
}

/**
 * A Delta table on the local file system.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { DeltaTable } from "./table.ts";
 * const dir = await Deno.makeTempDir();
 * const df = pl.DataFrame({ id: [1, 2] }).withColumns(pl.col("id").cast(pl.Int64));
 * const table = await DeltaTable.create(dir, df.schema);
 * const { version } = await table.append(df, { txn: { appId: "query-1", version: 0 } });
 * console.assert(version === 1 && (await table.read()).height === 2);
 * console.assert((await table.append(df, { txn: { appId: "query-1", version: 0 } })).skipped);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DeltaTable {
  /** The table root directory. */
  readonly path: string;
  #snapshot: Snapshot;
  #clock: () => number;

  private constructor(path: string, snapshot: Snapshot, clock: () => number) {
    this.path = path;
    this.#snapshot = snapshot;
    this.#clock = clock;
  }

  /**
   * Creates a table at `path` (version 0: protocol 1/2, metaData, commitInfo)
   * from a Polars schema such as `df.schema`, or a Delta struct type. Throws
   * `TableExistsError` when a table is already there.
   */
  static async create(
    path: string,
    schema: PolarsSchema | DeltaStructType,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    const { partitionColumns = [], configuration = {}, name, description } = options;
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Cannot create a table: path must be a non-empty string");
    }
    const deltaSchema = (schema as DeltaStructType).type === "struct" &&
        Array.isArray((schema as DeltaStructType).fields)
      ? schema as DeltaStructType
      : polarsSchemaToDelta(schema as PolarsSchema);
    const columns = new Map(deltaSchema.fields.map((f) => [f.name, f]));
    for (const column of partitionColumns) {
      const field = columns.get(column);
      if (!field) {
        throw new TypeError(
          `Cannot partition by "${column}": the schema has no such column`,
        );
      }
      if (typeof field.type !== "string") {
        throw new TypeError(
          `Cannot partition by "${column}": its type ${
            formatDeltaType(field.type)
          } is not primitive`,
        );
      }
    }
    if (partitionColumns.length >= deltaSchema.fields.length) {
      throw new TypeError(
        "Cannot create a table partitioned by every column: no data would remain",
      );
    }
    for (const [key, value] of Object.entries(configuration)) {
      if (typeof value !== "string") {
        throw new TypeError(`Cannot set table property "${key}": values must be strings`);
      }
    }
    const logDir = join(path, LOG_DIR);
    await Deno.mkdir(logDir, { recursive: true });
    const listing = await listLog(logDir);
    if (listing && (listing.commits.length > 0 || listing.checkpoints.length > 0)) {
      throw new TableExistsError(`Cannot create table at ${path}: a table already exists there`);
    }
    const now = Date.now();
    const metaData = {
      id: crypto.randomUUID(),
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
      format: { provider: "parquet", options: {} },
      schemaString: JSON.stringify(deltaSchema),
      partitionColumns,
      configuration,
      createdTime: now,
    };
    const actions: Action[] = [
      {
        commitInfo: {
          timestamp: now,
          operation: "CREATE TABLE",
          operationParameters: {
            isManaged: "false",
            description: description ?? null,
            partitionBy: JSON.stringify(partitionColumns),
            properties: JSON.stringify(configuration),
          },
          isolationLevel: "Serializable",
          isBlindAppend: true,
          operationMetrics: {},
          engineInfo: ENGINE_INFO,
          txnId: crypto.randomUUID(),
        },
      },
      { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
      { metaData },
    ];
    if (!await putIfAbsent(join(logDir, commitFileName(0)), serializeActions(actions))) {
      throw new TableExistsError(`Cannot create table at ${path}: a table already exists there`);
    }
    return await DeltaTable.open(path, { clock: options.clock });
  }

  /**
   * Opens the table at `path`, or creates it when there is none. An existing
   * table with other columns or partitioning is refused with
   * `TableExistsError`.
   */
  static async createIfNotExists(
    path: string,
    schema: PolarsSchema | DeltaStructType,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    let table: DeltaTable;
    try {
      return await DeltaTable.create(path, schema, options);
    } catch (error) {
      if (!(error instanceof TableExistsError)) throw error;
      table = await DeltaTable.open(path, { clock: options.clock });
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
   * Opens the table at `path` at its latest version. Throws
   * `TableNotFoundError` when there is none and `UnsupportedTableError`
   * when it needs protocol features pinstream lacks.
   */
  static async open(path: string, options: OpenTableOptions = {}): Promise<DeltaTable> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Cannot open a table: path must be a non-empty string");
    }
    return new DeltaTable(path, await Snapshot.load(path), options.clock ?? Date.now);
  }

  /** True when `path` holds a Delta table (a log with a commit or checkpoint). */
  static async exists(path: string): Promise<boolean> {
    const listing = await listLog(join(path, LOG_DIR));
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
   * when the table's schema changed meanwhile.
   */
  async append(df: pl.DataFrame, options: AppendOptions = {}): Promise<AppendResult> {
    const {
      txn,
      operation = "WRITE",
      operationParameters,
      targetFileSize = this.#targetFileSize(),
      maxCommitAttempts = 100,
      beforeCommit,
    } = options;
    if (!df || typeof (df as { height?: unknown }).height !== "number") {
      throw new TypeError("Cannot append: expected a Polars DataFrame");
    }
    if (txn !== undefined) {
      if (typeof txn.appId !== "string" || txn.appId === "") {
        throw new TypeError("Cannot append: txn.appId must be a non-empty string");
      }
      if (!Number.isSafeInteger(txn.version) || txn.version < 0) {
        throw new RangeError(`Cannot append: txn.version ${txn.version} must be an integer >= 0`);
      }
    }
    if (operation !== "WRITE" && operation !== "STREAMING UPDATE") {
      throw new RangeError(
        `Cannot append with operation "${operation}": use WRITE or STREAMING UPDATE`,
      );
    }
    positiveInteger(maxCommitAttempts, "maxCommitAttempts");
    await this.refresh();
    const skipped = (): AppendResult => ({
      version: this.#snapshot.version,
      skipped: true,
      files: 0,
      rows: 0,
      bytes: 0,
      paths: [],
    });
    if (txn && (this.#snapshot.txnVersion(txn.appId) ?? -1) >= txn.version) return skipped();
    this.#assertWritable();
    const schemaString = this.#snapshot.metadata.schemaString;
    const partitionColumns = this.partitionColumns;
    const prepared = conformToSchema(df, this.schema);
    const adds = prepared.height === 0 ? [] : await writeDataFiles(
      this.path,
      prepared,
      this.schema,
      partitionColumns,
      { targetFileSize, numIndexedCols: this.#numIndexedCols() },
    );
    const bytes = adds.reduce((sum, a) => sum + a.size, 0);
    try {
      await beforeCommit?.();
      const now = Date.now();
      const txnAction = txn ? { appId: txn.appId, version: txn.version, lastUpdated: now } : null;
      const version = await this.#commit(
        (readVersion) => ({
          timestamp: Date.now(),
          operation,
          operationParameters: stringValues(
            operationParameters ??
              { mode: "Append", partitionBy: JSON.stringify(partitionColumns) },
          ),
          readVersion,
          isolationLevel: "Serializable",
          isBlindAppend: true,
          operationMetrics: {
            numFiles: String(adds.length),
            numOutputRows: String(prepared.height),
            numOutputBytes: String(bytes),
          },
          engineInfo: ENGINE_INFO,
          txnId: crypto.randomUUID(),
        }),
        { adds, removes: [], txns: txnAction ? [txnAction] : [] },
        maxCommitAttempts,
        (winner) => {
          if (winner.metaData && winner.metaData.schemaString !== schemaString) {
            throw new CommitConflictError(
              `Cannot append to ${this.path}: another writer changed the table's schema`,
            );
          }
          if (winner.protocol) this.#assertWritable();
          return !!txn &&
            winner.txns.some((t) => t.appId === txn.appId && t.version >= txn.version);
        },
      );
      if (version === null) {
        await this.#deleteUncommitted(adds);
        return skipped();
      }
      return {
        version,
        skipped: false,
        files: adds.length,
        rows: prepared.height,
        bytes,
        paths: adds.map((a) => a.path),
      };
    } catch (error) {
      if (error instanceof CommitConflictError) await this.#deleteUncommitted(adds);
      throw error;
    }
  }

  /**
   * Replaces the table's rows with those of `df` in one commit (operation
   * `WRITE`, mode `Overwrite`): every file live at the version read is
   * removed and the new files are added, so readers of older versions still
   * see the old rows. Columns are cast as {@linkcode append} does; an empty
   * `df` leaves the table empty. With `txn`, a batch already committed for
   * that appId is skipped without writing any file. A concurrent commit that
   * adds or removes files, or changes the metadata, makes the overwrite
   * fail with `CommitConflictError` (its rows would be lost or kept by
   * chance), and the files it wrote are deleted.
   *
   * @example
   * ```ts
   * import pl from "nodejs-polars";
   * import { DeltaTable } from "./table.ts";
   * const dir = await Deno.makeTempDir();
   * const table = await DeltaTable.create(dir, { id: pl.Int64 });
   * await table.append(pl.DataFrame({ id: [1, 2] }));
   * const { version } = await table.overwrite(pl.DataFrame({ id: [3] }));
   * console.assert(version === 2 && (await table.read()).height === 1);
   * console.assert((await table.read({ version: 1 })).height === 2);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async overwrite(df: pl.DataFrame, options: OverwriteOptions = {}): Promise<AppendResult> {
    const {
      txn,
      targetFileSize = this.#targetFileSize(),
      maxCommitAttempts = 100,
      beforeCommit,
    } = options;
    if (!df || typeof (df as { height?: unknown }).height !== "number") {
      throw new TypeError("Cannot overwrite: expected a Polars DataFrame");
    }
    if (txn !== undefined) {
      if (typeof txn.appId !== "string" || txn.appId === "") {
        throw new TypeError("Cannot overwrite: txn.appId must be a non-empty string");
      }
      if (!Number.isSafeInteger(txn.version) || txn.version < 0) {
        throw new RangeError(
          `Cannot overwrite: txn.version ${txn.version} must be an integer >= 0`,
        );
      }
    }
    positiveInteger(maxCommitAttempts, "maxCommitAttempts");
    positiveInteger(targetFileSize, "targetFileSize");
    await this.refresh();
    if (txn && (this.#snapshot.txnVersion(txn.appId) ?? -1) >= txn.version) {
      return {
        version: this.#snapshot.version,
        skipped: true,
        files: 0,
        rows: 0,
        bytes: 0,
        paths: [],
      };
    }
    this.#assertWritable();
    const partitionColumns = this.partitionColumns;
    const prepared = conformToSchema(df, this.schema);
    const adds = prepared.height === 0 ? [] : await writeDataFiles(
      this.path,
      prepared,
      this.schema,
      partitionColumns,
      { targetFileSize, numIndexedCols: this.#numIndexedCols() },
    );
    const bytes = adds.reduce((sum, a) => sum + a.size, 0);
    try {
      await beforeCommit?.();
      const now = Date.now();
      const live = this.#snapshot.files;
      const removes: RemoveAction[] = live.map((a) => ({
        path: a.path,
        deletionTimestamp: now,
        dataChange: true,
        extendedFileMetadata: true,
        partitionValues: a.partitionValues,
        size: a.size,
      }));
      const version = await this.#commit(
        (readVersion) => ({
          timestamp: Date.now(),
          operation: "WRITE",
          operationParameters: { mode: "Overwrite", partitionBy: JSON.stringify(partitionColumns) },
          readVersion,
          isolationLevel: "Serializable",
          isBlindAppend: false,
          operationMetrics: {
            numFiles: String(adds.length),
            numOutputRows: String(prepared.height),
            numOutputBytes: String(bytes),
            numRemovedFiles: String(removes.length),
          },
          engineInfo: ENGINE_INFO,
          txnId: crypto.randomUUID(),
        }),
        {
          adds,
          removes,
          txns: txn ? [{ appId: txn.appId, version: txn.version, lastUpdated: now }] : [],
        },
        maxCommitAttempts,
        (winner) => {
          if (txn && winner.txns.some((t) => t.appId === txn.appId && t.version >= txn.version)) {
            return true;
          }
          if (winner.adds.length > 0 || winner.removes.length > 0) {
            throw new CommitConflictError(
              `Cannot overwrite ${this.path}: another writer changed its files meanwhile`,
            );
          }
          if (winner.metaData || winner.protocol) {
            throw new CommitConflictError(
              `Cannot overwrite ${this.path}: another writer changed the table's metadata`,
            );
          }
          return false;
        },
      );
      if (version === null) {
        await this.#deleteUncommitted(adds);
        return {
          version: this.#snapshot.version,
          skipped: true,
          files: 0,
          rows: 0,
          bytes: 0,
          paths: [],
        };
      }
      return {
        version,
        skipped: false,
        files: adds.length,
        rows: prepared.height,
        bytes,
        paths: adds.map((a) => a.path),
      };
    } catch (error) {
      if (error instanceof CommitConflictError) await this.#deleteUncommitted(adds);
      throw error;
    }
  }

  /**
   * Reads the table (latest, or the version or timestamp in `options`) into
   * a DataFrame in the table's schema; timestamps are UTC instants.
   */
  async read(options: ReadOptions = {}): Promise<pl.DataFrame> {
    const snapshot = await this.#snapshotFor(options);
    return readDataFiles(
      this.path,
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
    return await readCommit(join(this.path, LOG_DIR), version);
  }

  /** Reads the given data files (add actions of this table) in the table's schema. */
  readFiles(files: readonly AddAction[]): pl.DataFrame {
    return readDataFiles(this.path, this.schema, this.partitionColumns, [...files]);
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
    const df = readDataFiles(this.path, this.schema, this.partitionColumns, chosen);
    return df.tail(limit).reverse();
  }

  /** The history of the table, newest first (renders as a table in notebooks). */
  history(options: ReadHistoryOptions = {}): Promise<TableHistory> {
    return readHistory(this.path, options);
  }

  /** Describes the table at its latest version (schema, version, files, rows, size). */
  async describe(name: string | null = null): Promise<TableDescription> {
    await this.refresh();
    return describeSnapshot(this.#snapshot, name);
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
    positiveInteger(targetFileSize, "targetFileSize");
    await this.refresh();
    this.#assertWritable();
    const groups = new Map<string, AddAction[]>();
    for (const add of orderFiles(this.#snapshot.files)) {
      if (add.size >= targetFileSize) continue;
      const key = JSON.stringify(
        this.partitionColumns.map((c) => add.partitionValues?.[c] ?? null),
      );
      groups.set(key, [...(groups.get(key) ?? []), add]);
    }
    const removed: AddAction[] = [];
    const added: AddAction[] = [];
    let rows = 0;
    const now = Date.now();
    try {
      for (const files of groups.values()) {
        if (files.length < 2) continue;
        const df = readDataFiles(this.path, this.schema, this.partitionColumns, files);
        rows += df.height;
        removed.push(...files);
        added.push(
          ...await writeDataFiles(this.path, df, this.schema, this.partitionColumns, {
            targetFileSize,
            dataChange: false,
            numIndexedCols: this.#numIndexedCols(),
          }),
        );
      }
      if (removed.length === 0) {
        return { version: this.version, filesRemoved: 0, filesAdded: 0, rows: 0 };
      }
      const removes: RemoveAction[] = removed.map((a) => ({
        path: a.path,
        deletionTimestamp: now,
        dataChange: false,
        extendedFileMetadata: true,
        partitionValues: a.partitionValues,
        size: a.size,
      }));
      const removedPaths = new Set(removed.map((a) => decodeAddPath(a.path)));
      const version = await this.#commit(
        (readVersion) => ({
          timestamp: Date.now(),
          operation: "OPTIMIZE",
          operationParameters: { predicate: "[]", targetSize: String(targetFileSize) },
          readVersion,
          isolationLevel: "SnapshotIsolation",
          isBlindAppend: false,
          operationMetrics: {
            numRemovedFiles: String(removed.length),
            numAddedFiles: String(added.length),
            numRemovedBytes: String(removed.reduce((s, a) => s + a.size, 0)),
            numAddedBytes: String(added.reduce((s, a) => s + a.size, 0)),
          },
          engineInfo: ENGINE_INFO,
          txnId: crypto.randomUUID(),
        }),
        { adds: added, removes, txns: [] },
        10,
        (winner) => {
          if (winner.removes.some((r) => removedPaths.has(decodeAddPath(r.path)))) {
            throw new CommitConflictError(
              `Cannot commit OPTIMIZE to ${this.path}: another writer removed a file it compacted`,
            );
          }
          if (winner.metaData || winner.protocol) {
            throw new CommitConflictError(
              `Cannot commit OPTIMIZE to ${this.path}: another writer changed the table's metadata`,
            );
          }
          return false;
        },
      );
      return {
        version: version!,
        filesRemoved: removed.length,
        filesAdded: added.length,
        rows,
      };
    } catch (error) {
      await this.#deleteUncommitted(added);
      throw error;
    }
  }

  /**
   * Deletes data files the latest version does not reference and that are
   * older than the retention (a removed file's age counts from its removal,
   * an untracked file's from its modification time). Never touches
   * `_delta_log` or paths starting with `_` or `.`. A retention below 168
   * hours is refused (`RangeError`) unless `force` is set.
   */
  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    const {
      retentionHours = DEFAULT_RETENTION_HOURS,
      force = false,
      dryRun = false,
      now = Date.now(),
    } = options;
    if (typeof retentionHours !== "number" || !(retentionHours >= 0)) {
      throw new RangeError(`Cannot vacuum: retentionHours ${retentionHours} must be a number >= 0`);
    }
    if (retentionHours < DEFAULT_RETENTION_HOURS && !force) {
      throw new RangeError(
        `Cannot vacuum with a retention of ${retentionHours} hours: less than ` +
          `${DEFAULT_RETENTION_HOURS} hours can delete files that readers of recent versions or ` +
          "writers in flight still need; pass force to do it anyway",
      );
    }
    await this.refresh();
    const live = new Set(this.#snapshot.files.map((a) => decodeAddPath(a.path)));
    const removedAt = new Map(
      this.#snapshot.tombstones.map((r) => [decodeAddPath(r.path), r.deletionTimestamp ?? 0]),
    );
    const cutoff = now - retentionHours * HOUR_MS;
    const files: string[] = [];
    let bytes = 0;
    for await (const file of walkDataFiles(this.path)) {
      const rel = relative(this.path, file.path).split(sep).join("/");
      if (live.has(rel)) continue;
      const age = removedAt.get(rel) ?? file.mtime;
      if (age > cutoff) continue;
      files.push(rel);
      bytes += file.size;
    }
    files.sort();
    if (!dryRun) {
      for (const rel of files) await Deno.remove(join(this.path, rel)).catch(() => {});
    }
    return { dryRun, files, bytes };
  }

  /**
   * Deletes `_delta_log` files older than `delta.logRetentionDuration`
   * (default 30 days) that the newest checkpoint at or before that age makes
   * unnecessary; pinstream does this after each checkpoint when
   * `delta.enableExpiredLogCleanup` is true (the default). Time travel to the
   * deleted versions is no longer possible. Does nothing without a
   * checkpoint. An invalid retention property throws `RangeError`.
   */
  async cleanupLogs(options: { now?: number } = {}): Promise<CleanupResult> {
    const { now = this.#clock() } = options;
    return await cleanupExpiredLogs(this.path, {
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
    return await Snapshot.load(this.path, options);
  }

  /**
   * Commits `commit` at the next version, retrying on lost races. `check`
   * looks at each winner's commit: it throws to give up, or returns true
   * when the winner already did our work (then nothing is committed and
   * null is returned).
   */
  async #commit(
    info: (readVersion: number) => CommitInfoAction,
    commit: Omit<Commit, "commitInfo">,
    maxAttempts: number,
    check: (winner: Commit) => boolean,
  ): Promise<number | null> {
    const logDir = join(this.path, LOG_DIR);
    const readVersion = this.#snapshot.version;
    let version = readVersion + 1;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      version = this.#snapshot.version + 1;
      const commitInfo = info(readVersion);
      const actions: Action[] = [
        { commitInfo },
        ...commit.txns.map((txn) => ({ txn })),
        ...commit.removes.map((remove) => ({ remove })),
        ...commit.adds.map((add) => ({ add })),
      ];
      if (await putIfAbsent(join(logDir, commitFileName(version)), serializeActions(actions))) {
        this.#snapshot.applyCommitted(version, { ...commit, commitInfo });
        await this.#maybeCheckpoint(version);
        return version;
      }
      const winners = await this.#snapshot.update();
      for (const { commit: winner } of winners) {
        if (check(winner)) return null;
      }
    }
    throw new CommitConflictError(
      `Cannot commit to ${this.path}: other writers won the race for the next version ` +
        `${maxAttempts} times`,
      { version },
    );
  }

  async #maybeCheckpoint(version: number): Promise<void> {
    const interval = Number(this.configuration["delta.checkpointInterval"] ?? 10);
    if (!(interval > 0) || version === 0 || version % interval !== 0) return;
    const snapshot = this.#snapshot;
    try {
      await writeCheckpoint(this.path, {
        version,
        protocol: snapshot.protocol,
        metadata: snapshot.metadata,
        adds: snapshot.files,
        removes: snapshot.tombstones,
        txns: snapshot.txns,
      });
    } catch (error) {
      // A checkpoint is an optimization: the commit stands, readers replay JSON.
      console.warn(`pinstream: could not write checkpoint ${version} of ${this.path}: ${error}`);
      return;
    }
    if (!logCleanupEnabled(this.configuration)) return;
    try {
      await this.cleanupLogs();
    } catch (error) {
      // Like the checkpoint, cleanup is housekeeping: the commit stands.
      console.warn(`pinstream: could not clean up the log of ${this.path}: ${error}`);
    }
  }

  async #deleteUncommitted(adds: AddAction[]): Promise<void> {
    for (const add of adds) {
      if (this.#snapshot.hasFile(add.path)) continue;
      await Deno.remove(dataFilePath(this.path, add.path)).catch(() => {});
    }
  }

  #assertWritable(): void {
    const { minReaderVersion, minWriterVersion, readerFeatures, writerFeatures } =
      this.#snapshot.protocol;
    if (minReaderVersion > 1 || minWriterVersion > 2 || readerFeatures || writerFeatures) {
      throw new UnsupportedTableError(
        `Cannot write to ${this.path}: it needs protocol ${minReaderVersion}/${minWriterVersion}` +
          `${writerFeatures ? ` with features ${writerFeatures.join(", ")}` : ""}, ` +
          "and pinstream writes protocol 1/2 only",
      );
    }
    for (const field of this.schema.fields) {
      if (field.metadata && "delta.invariants" in field.metadata) {
        throw new UnsupportedTableError(
          `Cannot write to ${this.path}: column "${field.name}" has an invariant, ` +
            "which pinstream does not enforce",
        );
      }
    }
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

/** Files in write order: by modification time, then path. */
function orderFiles(files: AddAction[]): AddAction[] {
  return files.slice().sort((a, b) =>
    (a.modificationTime - b.modificationTime) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

async function* walkDataFiles(
  dir: string,
): AsyncGenerator<{ path: string; mtime: number; size: number }> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walkDataFiles(path);
    else if (entry.isFile) {
      const stat = await Deno.stat(path);
      yield { path, mtime: stat.mtime?.getTime() ?? 0, size: stat.size };
    }
  }
}
