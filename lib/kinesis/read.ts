/**
 * Reading a stream back from its start, for checks and demos: every record
 * of a shard (or of all shards) from TRIM_HORIZON to the tip. The streaming
 * queries use their own source (`lib/stream/`), which checkpoints positions.
 *
 * @module
 */
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { listShards } from "./admin.ts";

/** Options of {@linkcode readShard} and {@linkcode readStreamRecords}. */
export interface ReadShardOptions {
  /** Records per GetRecords call (default 10000, Kinesis' maximum). */
  limit?: number;
  /**
   * Keep reading until an empty answer at the tip, not just the first
   * answer that says it is caught up (default false).
   */
  untilEmpty?: boolean;
}

/**
 * Yields the records of one shard, a GetRecords page at a time, from
 * TRIM_HORIZON until the shard is caught up (MillisBehindLatest 0) or, for a
 * closed shard, until its end.
 */
export async function* readShard(
  kinesis: KinesisClient,
  streamName: string,
  shardId: string,
  options: ReadShardOptions = {},
): AsyncGenerator<_Record[]> {
  const { limit = 10_000, untilEmpty = false } = options;
  let { ShardIterator: iterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  while (iterator) {
    const res = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
    );
    const records = res.Records ?? [];
    if (records.length > 0) yield records;
    if (res.MillisBehindLatest === 0 && (!untilEmpty || records.length === 0)) return;
    iterator = res.NextShardIterator;
  }
}

/** Every record of a stream, shard by shard (in shard order), from TRIM_HORIZON to the tip. */
export async function readStreamRecords(
  kinesis: KinesisClient,
  streamName: string,
  options: ReadShardOptions = {},
): Promise<_Record[]> {
  const out: _Record[] = [];
  for (const shard of await listShards(kinesis, streamName)) {
    for await (const page of readShard(kinesis, streamName, shard.shardId, options)) {
      out.push(...page);
    }
  }
  return out;
}
