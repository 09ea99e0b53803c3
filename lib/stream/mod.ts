/**
 * pinstream's streaming layer: micro-batch queries from Kinesis streams to
 * Delta tables, exactly-once across crashes, with Spark Structured
 * Streaming's option names and checkpoint layout.
 *
 * - {@linkcode readStream} / {@linkcode StreamingQuery}: the query API
 * - `readStream({format: "delta"})` / {@linkcode DeltaStreamingQuery}: a
 *   Delta table as a source ({@linkcode DeltaSource}), append or complete
 *   output, or `foreachBatch`
 * - {@linkcode startAnalyticsQuery} / {@linkcode GoldQuery}: the live gold
 *   query, recomputing the gold tables from the three silver tables
 * - {@linkcode startPipeline}: the three walkthrough queries (pin, geo, user)
 * - {@linkcode KinesisSource}: shard discovery and per-shard reading
 * - {@linkcode parseBatch}: JSON + schema checks; a record that fails is quarantined ({@linkcode QuarantinedRecord})
 * - {@linkcode QueryCheckpoint} / {@linkcode resetCheckpoint}: Spark's checkpoint layout
 * - {@linkcode DeltaSink}: one commit per batch with `txn`
 * - {@linkcode StreamingQueryProgress}: per-batch progress
 *
 * @example
 * ```ts ignore
 * import { readStream } from "./mod.ts";
 * const query = await readStream({
 *   format: "kinesis",
 *   streamName: "streaming-12c0d092d679-pin",
 *   initialPosition: "earliest",
 *   endpoint: "http://127.0.0.1:4568",
 * }).writeStream({
 *   format: "delta",
 *   checkpointLocation: "./checkpoints/pin",
 *   table: "raw_pins",
 *   trigger: { availableNow: true },
 * }).start();
 * await query.awaitTermination();
 * ```
 *
 * @module
 */
export {
  type BatchContext,
  type BatchResult,
  type BatchTransform,
  DataStreamWriter,
  type InitialPosition,
  KinesisStream,
  progressDir,
  readStream,
  type ReadStreamOptions,
  StreamingQuery,
  type StreamWriteOptions,
  type Trigger,
  type WriteStreamOptions,
} from "./query.ts";
export { CheckpointMismatchError, DeltaSourceChangeError } from "./errors.ts";
export {
  cleanTransform,
  type CleanTransformOptions,
  type Pipeline,
  type PipelineOptions,
  queryName,
  startPipeline,
} from "./pipeline.ts";
export {
  KinesisSource,
  type KinesisSourceOptions,
  type LatestOffset,
  recordsFrame,
  SOURCE_SCHEMA,
  type SourceRecord,
} from "./source.ts";
export {
  parseBatch,
  type ParseBatchOptions,
  type ParsedBatch,
  QUARANTINE_SCHEMA,
  type QuarantinedRecord,
  type QuarantinedRecordBuilder,
  quarantinedRecordOf,
  quarantineFrame,
  type QuarantineStage,
} from "./parse.ts";
export {
  type CheckpointMetadata,
  QueryCheckpoint,
  resetCheckpoint,
  type ResetResult,
  type ShardOffset,
  type SourceOffset,
  type StartingPosition,
} from "./offsets_log.ts";
export { DeltaSink, type DeltaSinkOptions, type SinkResult } from "./sink.ts";
export {
  type DeltaLatestOffset,
  DeltaSource,
  type DeltaSourceOffset,
  type DeltaSourceOptions,
} from "./delta_source.ts";
export {
  type DeltaCheckpointMetadata,
  type DeltaQueryProgress,
  type DeltaReadStreamOptions,
  DeltaStream,
  DeltaStreamingQuery,
  DeltaStreamWriter,
  type DeltaWriteStreamOptions,
  type ForeachBatchFunction,
} from "./delta_query.ts";
export {
  type AnalyticsQueryOptions,
  type GoldCompute,
  type GoldOffset,
  GoldQuery,
  goldQueryName,
  type GoldQueryProgress,
  type GoldTableProgress,
  type SilverDataFrames,
  type SilverVersion,
  startAnalyticsQuery,
} from "./gold_query.ts";
export {
  formatProgress,
  maxMillisBehind,
  progressBundle,
  type ProgressDurations,
  type SinkProgress,
  type SourceProgress,
  type StreamingQueryProgress,
} from "./progress.ts";
