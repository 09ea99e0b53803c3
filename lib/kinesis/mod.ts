/**
 * Kinesis: the client factory, stream administration and the local
 * emulator's lifecycle.
 *
 * @module
 */
export { createKinesisClient, isLocalEndpoint, type KinesisClientOptions } from "./client.ts";
export {
  assertStreamName,
  createStream,
  type CreateStreamOptions,
  deleteStream,
  type DeleteStreamOptions,
  describeStream,
  ensureStreams,
  type EnsureStreamsOptions,
  listShards,
  listStreams,
  ON_DEMAND_SHARD_COUNT,
  type ShardInfo,
  STREAM_NAME_PATTERN,
  StreamDescription,
  waitForActive,
  type WaitOptions,
} from "./admin.ts";
export {
  discardEmulatorData,
  type DiscardResult,
  type Emulator,
  EMULATOR_ENGINES,
  type EmulatorEngine,
  type EmulatorHost,
  type EmulatorOptions,
  freePort,
  hasNode,
  startEmulator,
  waitUntilAnswering,
} from "./emulator.ts";
export { type KinesaliteOptions, startKinesalite } from "./kinesalite.ts";
export { readShard, type ReadShardOptions, readStreamRecords } from "./read.ts";
export { isRetryableKinesisError, retryKinesis, type RetryKinesisOptions } from "./retry.ts";
export {
  awsErrorName,
  awsErrorStatus,
  isThrottling,
  isUnreachable,
  StreamNotFoundError,
} from "./errors.ts";
