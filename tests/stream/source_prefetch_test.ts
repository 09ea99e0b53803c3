/**
 * The Kinesis source's prefetch, against a made-up Kinesis client (no
 * emulator): a shard that is behind has its next page fetched while the
 * batch handed out is processed; a caught-up shard is left alone.
 */
import assert from "node:assert/strict";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { KinesisSource } from "../../lib/stream/source.ts";

/** One shard holding `total` records; counts GetRecords calls. */
function fakeKinesis(total: number) {
  const calls = { getRecords: 0 };
  const encoder = new TextEncoder();
  const client = {
    send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const input = command.input;
      switch (command.constructor.name) {
        case "ListShardsCommand":
          return Promise.resolve({
            Shards: [{
              ShardId: "shardId-000000000000",
              HashKeyRange: { StartingHashKey: "0", EndingHashKey: "1" },
              SequenceNumberRange: { StartingSequenceNumber: "1" },
            }],
          });
        case "GetShardIteratorCommand":
          return Promise.resolve({
            ShardIterator: String(
              input.StartingSequenceNumber === undefined ? 0 : Number(input.StartingSequenceNumber),
            ),
          });
        case "GetRecordsCommand": {
          calls.getRecords++;
          const from = Number(input.ShardIterator);
          const to = Math.min(total, from + Number(input.Limit));
          const Records = Array.from({ length: to - from }, (_, i) => ({
            Data: encoder.encode(`{"n":${from + i + 1}}`),
            PartitionKey: "k",
            SequenceNumber: String(from + i + 1),
            ApproximateArrivalTimestamp: new Date(0),
          }));
          return Promise.resolve({
            Records,
            NextShardIterator: String(to),
            MillisBehindLatest: to < total ? 1000 : 0,
          });
        }
      }
      return Promise.reject(new Error(`unexpected ${command.constructor.name}`));
    },
  };
  return { client: client as unknown as KinesisClient, calls };
}

Deno.test("KinesisSource fetches a behind shard's next page while a batch is processed", async () => {
  const { client, calls } = fakeKinesis(25);
  const source = new KinesisSource(client, "s", { maxRecordsPerFetch: 10, minFetchPeriodMs: 0 });
  source.restore(null);
  let start = source.currentOffset();
  const first = await source.latestOffset();
  assert.equal(first.available, 10);
  const batch1 = await source.getBatch(start, first.offset);
  assert.equal(batch1.records.length, 10);
  // The next page was asked for when the batch was handed out.
  assert.equal(calls.getRecords, 2);
  start = first.offset;
  const second = await source.latestOffset();
  // Bounded: the prefetch filled the buffer up to maxRecordsPerFetch, no more.
  assert.equal(second.available, 10);
  const batch2 = await source.getBatch(start, second.offset);
  assert.deepEqual(
    batch2.records.map((r) => Number(r.sequenceNumber)),
    Array.from({ length: 10 }, (_, i) => 11 + i),
  );
  start = second.offset;
  const third = await source.latestOffset();
  const batch3 = await source.getBatch(start, third.offset);
  assert.deepEqual(batch3.records.map((r) => Number(r.sequenceNumber)), [21, 22, 23, 24, 25]);
  // Caught up (the last page was not full and not behind): nothing is fetched ahead.
  const calledBefore = calls.getRecords;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.getRecords, calledBefore);
});
