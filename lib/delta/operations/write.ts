/**
 * WRITE over a snapshot: append (a blind append, exactly-once with `txn`)
 * and overwrite (every live file removed and the new ones added in one
 * commit).
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { AddAction, MetadataAction, RemoveAction, TxnAction } from "../actions.ts";
import type { Snapshot } from "../snapshot.ts";
import { conformToSchema, writeDataFiles } from "../write.ts";
import {
  type DeltaStructType,
  type PolarsSchema,
  polarsSchemaToDelta,
  sameDeltaType,
} from "../schema.ts";
import { commitTransaction } from "../transaction.ts";
import {
  assertFilesNotRemoved,
  assertMetadataUnchanged,
  assertNoConcurrentAppend,
  assertSchemaUnchanged,
  assertWritable,
  txnAlreadyCommitted,
} from "../conflict.ts";
import { deleteUncommitted } from "./_files.ts";

/** Options of {@linkcode appendToSnapshot} (`DeltaTable.append`). */
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

/** Options of `DeltaTable.overwrite`. */
export interface OverwriteOptions extends Omit<AppendOptions, "operation"> {
  /** `commitInfo.operation`. Default `WRITE`. */
  operation?: "WRITE";
  /**
   * Partition columns. Default the table's. Another partitioning is allowed
   * only when the table has no live file (then the commit sets it).
   */
  partitionBy?: string[];
}

/** What an append or overwrite did. */
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

/** Settings the writes need from their table (merged into their options by `DeltaTable`). */
export interface WriteContext {
  /** Target file size in bytes (an option's own `targetFileSize` wins). */
  targetFileSize: number;
  /** `delta.dataSkippingNumIndexedCols`. */
  numIndexedCols: number;
  /** The clock, epoch milliseconds. */
  now: () => number;
}

function positiveInteger(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`Cannot use ${what} ${String(value)}: it must be an integer > 0`);
  }
  return n;
}

function validate(
  verb: string,
  df: pl.DataFrame,
  txn: AppendOptions["txn"],
  maxCommitAttempts: number,
): void {
  if (!df || typeof (df as { height?: unknown }).height !== "number") {
    throw new TypeError(`Cannot ${verb}: expected a Polars DataFrame`);
  }
  if (txn !== undefined) {
    if (typeof txn.appId !== "string" || txn.appId === "") {
      throw new TypeError(`Cannot ${verb}: txn.appId must be a non-empty string`);
    }
    if (!Number.isSafeInteger(txn.version) || txn.version < 0) {
      throw new RangeError(`Cannot ${verb}: txn.version ${txn.version} must be an integer >= 0`);
    }
  }
  positiveInteger(maxCommitAttempts, "maxCommitAttempts");
}

/**
 * The skipped result when `txn` shows the table already holds this batch,
 * else null once the table's protocol allows writing (go on and write).
 */
function alreadyCommitted(snapshot: Snapshot, txn: AppendOptions["txn"]): AppendResult | null {
  if (txn && (snapshot.txnVersion(txn.appId) ?? -1) >= txn.version) return skipped(snapshot);
  assertWritable(snapshot.protocol, snapshot.schema, snapshot.tablePath);
  return null;
}

function skipped(snapshot: Snapshot): AppendResult {
  return { version: snapshot.version, skipped: true, files: 0, rows: 0, bytes: 0, paths: [] };
}

/** The rows of `df` cast to `schema` and written as data files (none for no rows). */
async function writeRows(
  snapshot: Snapshot,
  df: pl.DataFrame,
  schema: DeltaStructType,
  partitionColumns: string[],
  options: WriteContext,
): Promise<{ adds: AddAction[]; rows: number; bytes: number }> {
  const { targetFileSize, numIndexedCols, now } = options;
  const prepared = conformToSchema(df, schema);
  const adds = prepared.height === 0 ? [] : await writeDataFiles(
    snapshot.storage,
    prepared,
    schema,
    partitionColumns,
    { targetFileSize, numIndexedCols, now },
  );
  return { adds, rows: prepared.height, bytes: adds.reduce((sum, a) => sum + a.size, 0) };
}

/** The txn action of a write with `txn`, stamped `now`. */
function txnActions(txn: AppendOptions["txn"], now: () => number): TxnAction[] {
  return txn ? [{ appId: txn.appId, version: txn.version, lastUpdated: now() }] : [];
}

/**
 * Commits data files already written: the write's result, or skipped when
 * `commit` finds the batch committed before (null). The files are deleted
 * when they end up in no commit.
 */
async function commitWritten(
  snapshot: Snapshot,
  adds: AddAction[],
  rows: number,
  bytes: number,
  commit: () => Promise<number | null>,
): Promise<AppendResult> {
  try {
    const version = await commit();
    if (version === null) {
      await deleteUncommitted(snapshot, adds);
      return skipped(snapshot);
    }
    return {
      version,
      skipped: false,
      files: adds.length,
      rows,
      bytes,
      paths: adds.map((a) => a.path),
    };
  } catch (error) {
    await deleteUncommitted(snapshot, adds);
    throw error;
  }
}

/**
 * Appends the rows of `df` to `snapshot`'s table (the snapshot should be
 * current) as one commit; see `DeltaTable.append`.
 */
export async function appendToSnapshot(
  snapshot: Snapshot,
  df: pl.DataFrame,
  options: AppendOptions & WriteContext,
): Promise<AppendResult> {
  const {
    txn,
    operation = "WRITE",
    operationParameters,
    now,
    maxCommitAttempts = 100,
    beforeCommit,
  } = options;
  validate("append", df, txn, maxCommitAttempts);
  if (operation !== "WRITE" && operation !== "STREAMING UPDATE") {
    throw new RangeError(
      `Cannot append with operation "${operation}": use WRITE or STREAMING UPDATE`,
    );
  }
  const done = alreadyCommitted(snapshot, txn);
  if (done) return done;
  const { schema, partitionColumns } = snapshot;
  const schemaString = snapshot.metadata.schemaString;
  const { adds, rows, bytes } = await writeRows(snapshot, df, schema, partitionColumns, options);
  const what = `append to ${snapshot.tablePath}`;
  return await commitWritten(snapshot, adds, rows, bytes, async () => {
    await beforeCommit?.();
    return await commitTransaction(snapshot, {
      adds,
      removes: [],
      txns: txnActions(txn, now),
    }, {
      info: {
        operation,
        operationParameters: operationParameters ??
          { mode: "Append", partitionBy: JSON.stringify(partitionColumns) },
        isBlindAppend: true,
        operationMetrics: {
          numFiles: adds.length,
          numOutputRows: rows,
          numOutputBytes: bytes,
        },
      },
      maxAttempts: maxCommitAttempts,
      check: (winner) => {
        assertSchemaUnchanged(winner, schemaString, what);
        if (winner.protocol) {
          assertWritable(winner.protocol, snapshot.schema, snapshot.tablePath);
        }
        return txnAlreadyCommitted(winner, txn);
      },
      now,
    });
  });
}

function sameColumns(a: DeltaStructType, b: DeltaStructType): boolean {
  return a.fields.length === b.fields.length &&
    a.fields.every((f, i) =>
      f.name === b.fields[i]?.name && sameDeltaType(f.type, b.fields[i]!.type)
    );
}

/**
 * Replaces every live file of `snapshot`'s table (the snapshot should be
 * current) with the rows of `df`, in one commit (operation WRITE, mode
 * Overwrite): readers of older versions still see the old files. The
 * schema must be the table's unless the table has no live file, in which
 * case the commit carries the new schema and partitioning.
 */
export async function overwriteSnapshot(
  snapshot: Snapshot,
  df: pl.DataFrame,
  options: OverwriteOptions & WriteContext,
): Promise<AppendResult> {
  const {
    txn,
    operation = "WRITE",
    operationParameters,
    now,
    maxCommitAttempts = 100,
    beforeCommit,
    partitionBy,
  } = options;
  validate("overwrite", df, txn, maxCommitAttempts);
  if (operation !== "WRITE") {
    throw new RangeError(`Cannot overwrite with operation "${operation}": use WRITE`);
  }
  if (partitionBy !== undefined && !Array.isArray(partitionBy)) {
    throw new TypeError("Cannot overwrite: partitionBy must be an array of column names");
  }
  const done = alreadyCommitted(snapshot, txn);
  if (done) return done;
  const live = snapshot.files;
  const incoming = polarsSchemaToDelta(df.schema as unknown as PolarsSchema);
  const partitionColumns = partitionBy ?? snapshot.partitionColumns;
  const samePartitioning =
    JSON.stringify(partitionColumns) === JSON.stringify(snapshot.partitionColumns);
  let schema = snapshot.schema;
  let metaData: MetadataAction | undefined;
  if (live.length === 0 && (!sameColumns(incoming, schema) || !samePartitioning)) {
    // An empty table takes the rows' schema and the partitioning asked for.
    for (const column of partitionColumns) {
      if (!df.columns.includes(column)) {
        throw new TypeError(`Cannot partition by "${column}": the rows have no such column`);
      }
    }
    schema = incoming;
    metaData = { ...snapshot.metadata, schemaString: JSON.stringify(schema), partitionColumns };
  } else if (!samePartitioning) {
    throw new TypeError(
      `Cannot overwrite ${snapshot.tablePath} partitioned by ` +
        `${JSON.stringify(partitionColumns)}: the table is partitioned by ` +
        `${JSON.stringify(snapshot.partitionColumns)} and is not empty`,
    );
  }
  const schemaString = snapshot.metadata.schemaString;
  const { adds, rows, bytes } = await writeRows(snapshot, df, schema, partitionColumns, options);
  const deletionTimestamp = now();
  const removes: RemoveAction[] = live.map((a) => ({
    path: a.path,
    deletionTimestamp,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: a.partitionValues,
    size: a.size,
  }));
  const what = `overwrite ${snapshot.tablePath}`;
  return await commitWritten(snapshot, adds, rows, bytes, async () => {
    await beforeCommit?.();
    return await commitTransaction(snapshot, {
      adds,
      removes,
      txns: txnActions(txn, now),
      ...(metaData ? { metaData } : {}),
    }, {
      info: {
        operation,
        operationParameters: operationParameters ??
          { mode: "Overwrite", partitionBy: JSON.stringify(partitionColumns) },
        isBlindAppend: false,
        operationMetrics: {
          numFiles: adds.length,
          numOutputRows: rows,
          numOutputBytes: bytes,
          numRemovedFiles: removes.length,
        },
      },
      maxAttempts: maxCommitAttempts,
      check: (winner) => {
        if (txnAlreadyCommitted(winner, txn)) return true;
        assertSchemaUnchanged(winner, schemaString, what);
        assertMetadataUnchanged(winner, what);
        assertFilesNotRemoved(winner, removes, what);
        assertNoConcurrentAppend(winner, what);
        return false;
      },
      now,
    });
  });
}
