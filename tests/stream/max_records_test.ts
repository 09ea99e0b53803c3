import assert from "node:assert/strict";
import { join } from "node:path";
import { createStream } from "../../lib/kinesis/admin.ts";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { readStream } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";
import { putRaw, readTable } from "./_fixtures.ts";
import { shortPageProxy } from "./_page_proxy.ts";

/** Records a GetRecords answer holds at most, behind the proxy. */
const PAGE = 7;
/** The query's maxRecordsPerFetch: not a multiple of PAGE, so a second page must be short. */
const BOUND = 10;

Deno.test({
  name:
    "maxRecordsPerFetch bounds every batch when GetRecords answers short pages: a fetch asks only for what is left",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    const proxy = shortPageProxy(fx.emulator.endpoint, PAGE);
    const kinesis = createKinesisClient({ endpoint: proxy.endpoint });
    try {
      await withTempDir(async (dir) => {
        await createStream(fx.kinesis, "short", { shardCount: 1 });
        const payloads = Array.from({ length: 95 }, (_, i) => JSON.stringify({ i }));
        const put = await putRaw(fx.kinesis, "short", payloads);
        const query = await readStream({
          format: "kinesis",
          streamName: "short",
          kinesis,
          initialPosition: "earliest",
          maxRecordsPerFetch: BOUND,
          minFetchPeriod: 0,
        }).writeStream({
          checkpointLocation: join(dir, "checkpoint"),
          path: join(dir, "table"),
          trigger: { availableNow: true },
        }).start();
        await query.awaitTermination();
        const batches = query.recentProgress.filter((p) => p.numInputRows > 0);
        for (const p of batches) {
          assert.ok(p.numInputRows <= BOUND, `batch ${p.batchId} holds ${p.numInputRows} rows`);
        }
        // Full batches where the stream had enough: 95 records in 10 batches.
        assert.deepEqual(batches.map((p) => p.numInputRows), [
          10,
          10,
          10,
          10,
          10,
          10,
          10,
          10,
          10,
          5,
        ]);
        assert.ok(proxy.limits.every((l) => l >= 1 && l <= BOUND));
        // After a short page of 7 the source asked for the 3 left, never again for 10.
        assert.ok(proxy.limits.includes(BOUND - PAGE), `limits asked: ${proxy.limits}`);
        const table = await readTable(join(dir, "table"));
        assert.deepEqual(
          (table.getColumn("sequenceNumber").toArray() as string[]).sort(),
          put.map(([, s]) => s).sort(),
        );
      });
    } finally {
      kinesis.destroy();
      await proxy.shutdown();
      await fx.close();
    }
  },
});
