import assert from "node:assert/strict";
import { join } from "node:path";
import { createStream } from "../../lib/kinesis/admin.ts";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { readStream } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";
import { putRaw, readTable } from "./_fixtures.ts";

/** Records a GetRecords answer holds at most, behind the proxy. */
const PAGE = 7;
/** The query's maxRecordsPerFetch: not a multiple of PAGE, so a second page must be short. */
const BOUND = 10;

/**
 * A real HTTP proxy in front of the emulator that makes GetRecords return
 * short pages, as Kinesis does when a page reaches its size limit: the
 * request's Limit is lowered to PAGE before it reaches the emulator (whose
 * answer, next iterator included, is passed back as it is), and a full page
 * reports MillisBehindLatest above 0, as there may be more. Every Limit
 * asked for is recorded.
 */
function shortPageProxy(target: string): {
  endpoint: string;
  limits: number[];
  shutdown(): Promise<void>;
} {
  const limits: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("host");
    headers.delete("content-length");
    let body = await req.text();
    const getRecords = headers.get("x-amz-target")?.endsWith(".GetRecords") ?? false;
    if (getRecords) {
      const input = JSON.parse(body);
      limits.push(input.Limit);
      input.Limit = Math.min(input.Limit ?? 10_000, PAGE);
      body = JSON.stringify(input);
    }
    const res = await fetch(new URL(url.pathname + url.search, target), {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    let text = await res.text();
    if (getRecords && res.ok) {
      const output = JSON.parse(text);
      if ((output.Records?.length ?? 0) === PAGE) {
        output.MillisBehindLatest = Math.max(output.MillisBehindLatest ?? 0, 1_000);
      }
      text = JSON.stringify(output);
    }
    const out = new Headers(res.headers);
    out.delete("content-length");
    out.delete("content-encoding");
    return new Response(text, { status: res.status, headers: out });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    limits,
    shutdown: () => server.shutdown(),
  };
}

Deno.test({
  name:
    "maxRecordsPerFetch bounds every batch when GetRecords answers short pages: a fetch asks only for what is left",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    const proxy = shortPageProxy(fx.emulator.endpoint);
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
