/**
 * The Kinesis source's prefetch, against the real emulator behind a proxy
 * that cuts GetRecords pages at 10 records (a full page is reported as
 * behind): a shard that is behind has its next page fetched while the batch
 * handed out is processed, never past maxRecordsPerFetch; a caught-up shard
 * is left alone.
 */
import assert from "node:assert/strict";
import { createStream } from "../../lib/kinesis/admin.ts";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { KinesisSource } from "../../lib/stream/source.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { putRaw } from "./_fixtures.ts";
import { shortPageProxy } from "./_page_proxy.ts";

/** Polls until `condition` holds (at most 30 s, then fails saying what was awaited). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(condition(), `gave up waiting for ${what}`);
}

Deno.test({
  name: "KinesisSource fetches a behind shard's next page while a batch is processed",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    const proxy = shortPageProxy(fx.emulator.endpoint, 10);
    const kinesis = createKinesisClient({ endpoint: proxy.endpoint });
    try {
      await createStream(fx.kinesis, "prefetch", { shardCount: 1 });
      const put = await putRaw(
        fx.kinesis,
        "prefetch",
        Array.from({ length: 25 }, (_, i) => JSON.stringify({ i })),
      );
      const sequenceNumbers = put.map(([, s]) => s);
      const source = new KinesisSource(kinesis, "prefetch", {
        maxRecordsPerFetch: 10,
        minFetchPeriodMs: 0,
      });
      source.restore(null);
      let start = source.currentOffset();
      const first = await source.latestOffset();
      assert.equal(first.available, 10);
      assert.equal(proxy.limits.length, 1);
      const batch1 = await source.getBatch(start, first.offset);
      assert.deepEqual(batch1.records.map((r) => r.sequenceNumber), sequenceNumbers.slice(0, 10));
      // The next page is asked for once the batch is handed out, before the next trigger.
      await until(() => proxy.limits.length === 2, "the prefetch of the second page");
      start = first.offset;
      const second = await source.latestOffset();
      // Bounded: the prefetch filled the buffer up to maxRecordsPerFetch, no more.
      assert.equal(second.available, 10);
      assert.ok(proxy.limits.every((limit) => limit <= 10), `limits: ${proxy.limits}`);
      const batch2 = await source.getBatch(start, second.offset);
      assert.deepEqual(batch2.records.map((r) => r.sequenceNumber), sequenceNumbers.slice(10, 20));
      start = second.offset;
      const third = await source.latestOffset();
      const batch3 = await source.getBatch(start, third.offset);
      assert.deepEqual(batch3.records.map((r) => r.sequenceNumber), sequenceNumbers.slice(20));
      // Caught up (the last page was short and not behind): no page is fetched ahead.
      const fetched = proxy.limits.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(proxy.limits.length, fetched);
    } finally {
      kinesis.destroy();
      await proxy.shutdown();
      await fx.close();
    }
  },
});
