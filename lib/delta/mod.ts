/**
 * pinstream's Delta Lake layer: real Delta tables (protocol reader 1 /
 * writer 2) on the local file system or in S3 (`s3://bucket/prefix`),
 * written and read with nodejs-polars.
 *
 * - {@linkcode DeltaTable}: create, open, append (exactly-once with `txn`),
 *   overwrite, read with time travel, history, describe, optimize, vacuum, log
 *   cleanup ({@linkcode cleanupExpiredLogs})
 * - {@linkcode Snapshot}: the table state at a version, from the newest
 *   checkpoint plus later commits
 * - {@linkcode writeCheckpoint} / {@linkcode readCheckpoint}: classic
 *   parquet checkpoints with MAP columns (written by DuckDB)
 * - {@linkcode openStorage}: the storage layer (local directory or S3) every
 *   read and write goes through; S3 commits are conditional PUTs
 * - schema mapping between Polars and Delta types
 * - errors callers catch: {@linkcode CommitConflictError},
 *   {@linkcode TableNotFoundError}, {@linkcode TableExistsError},
 *   {@linkcode UnsupportedTableError}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { DeltaTable } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const df = pl.DataFrame({ id: [1, 2], name: ["a", "b"] })
 *   .withColumns(pl.col("id").cast(pl.Int64));
 * const table = await DeltaTable.create(dir, df.schema);
 * await table.append(df, {
 *   txn: { appId: "query-1", version: 0 },
 *   operation: "STREAMING UPDATE",
 *   operationParameters: { outputMode: "Append", queryId: "query-1", epochId: 0 },
 * });
 * assert.equal(await table.txnVersion("query-1"), 0);
 * assert.equal((await table.read({ version: 0 })).height, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  type AppendOptions,
  type AppendResult,
  AUTO_COMPACT_MIN_FILES,
  type CreateTableOptions,
  DEFAULT_RETENTION_HOURS,
  DeltaTable,
  ENGINE_INFO,
  type OpenTableOptions,
  type OptimizeOptions,
  type OptimizeResult,
  type OverwriteOptions,
  type ReadOptions,
  type VacuumFailure,
  type VacuumOptions,
  type VacuumResult,
} from "./table.ts";
export {
  ALLOW_UNSAFE_RENAME_ENV,
  createS3Client,
  deleteAll,
  type FileInfo,
  isS3Location,
  joinLocation,
  LocalStorage,
  openStorage,
  readText,
  resolveLocation,
  type S3ClientOptions,
  S3Storage,
  type Storage,
  UnsafeStoreError,
} from "./storage/mod.ts";
export { buildCommitInfo, type CommitInfoFields } from "./transaction.ts";
export { Snapshot, type SnapshotLoadOptions, type SnapshotSource } from "./snapshot.ts";
export {
  type CheckpointState,
  readCheckpoint,
  writeCheckpoint,
  type WriteCheckpointOptions,
} from "./checkpoint.ts";
export {
  cleanupExpiredLogs,
  type CleanupOptions,
  type CleanupResult,
  DEFAULT_LOG_RETENTION,
  logCleanupEnabled,
  logRetentionMs,
  parseInterval,
} from "./cleanup.ts";
export {
  type DeltaArrayType,
  type DeltaDataType,
  type DeltaMapType,
  type DeltaStructField,
  type DeltaStructType,
  deltaTypeToPolars,
  formatDeltaType,
  parseSchemaString,
  type PolarsSchema,
  polarsSchemaToDelta,
  polarsTypeToDelta,
} from "./schema.ts";
export type {
  Action,
  AddAction,
  Commit,
  CommitInfoAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from "./actions.ts";
export { type HistoryEntry, type ReadHistoryOptions, type TableHistory } from "./history.ts";
export { type ColumnDescription, TableDescription } from "./describe.ts";
export { computeStats, type ComputeStatsOptions, type FileStats, parseStats } from "./stats.ts";
export {
  CommitConflictError,
  TableExistsError,
  TableNotFoundError,
  UnsupportedTableError,
} from "./errors.ts";
