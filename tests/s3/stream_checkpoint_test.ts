/**
 * A streaming checkpoint and the Delta sink at s3:// locations: the same
 * layout as on disk, offsets and commits created once, progress lines kept.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { openStorage, readText } from "../../lib/delta/mod.ts";
import { QueryCheckpoint, resetCheckpoint } from "../../lib/stream/offsets_log.ts";
import { DeltaSink } from "../../lib/stream/sink.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";

Deno.test({
  name: "a streaming checkpoint and the Delta sink work at s3:// locations",
  ignore: skipWithoutMoto("streaming checkpoints in S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const dir = s3.url("checkpoints/pins");
      const checkpoint = new QueryCheckpoint(dir);
      assert.equal(await checkpoint.readMetadata(), null);
      const metadata = {
        id: "query-1",
        streamName: "streaming-x-pin",
        streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/streaming-x-pin",
        streamCreatedMs: 1,
        startingPosition: { type: "earliest" } as const,
      };
      await checkpoint.writeMetadata(metadata);
      assert.deepEqual(await checkpoint.readMetadata(), metadata);
      const offset = {
        streamName: "streaming-x-pin",
        shards: { "shardId-000000000000": { sequenceNumber: "49", closed: false } },
      };
      await checkpoint.writeOffsets(0, offset, 1000);
      await checkpoint.writeCommit(0);
      await checkpoint.writeOffsets(1, offset, 2000);
      assert.equal(await checkpoint.latestOffsetsBatch(), 1);
      assert.equal(await checkpoint.latestCommittedBatch(), 0);
      assert.deepEqual(await checkpoint.readOffsets(1), offset);
      await checkpoint.writeCommit(0); // the same commit again is fine
      await assert.rejects(
        () => new QueryCheckpoint(dir).writeOffsets(1, offset, 3000),
        new RegExp(`^Error: Cannot write offsets/1 of checkpoint ${dir}: another run`),
      );
      await checkpoint.appendProgress("run-1", { batchId: 0 });
      await checkpoint.appendProgress("run-1", { batchId: 1 });
      assert.equal(
        await readText(openStorage(dir), "progress/run-1.jsonl"),
        '{"batchId":0}\n{"batchId":1}\n',
      );

      const sink = new DeltaSink(s3.url("lake/default/pins"));
      const df = pl.DataFrame({ id: [1, 2] }).withColumns(pl.col("id").cast(pl.Int64));
      assert.deepEqual(await sink.addBatch("query-1", 0, df), {
        version: 1,
        skipped: false,
        rows: 2,
      });
      assert.deepEqual(await sink.addBatch("query-1", 0, df), {
        version: 1,
        skipped: true,
        rows: 0,
      });

      const reset = await resetCheckpoint(dir);
      assert.equal(reset.existed, true);
      assert.equal(reset.lastCommittedBatch, 0);
      assert.deepEqual(await openStorage(dir).list(""), []);
    });
  },
});
