import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureStreams } from "../../lib/kinesis/admin.ts";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../../lib/clean/mod.ts";
import { streamName, tableName } from "../../lib/config.ts";
import { RECORD_KINDS } from "../../lib/records.ts";
import { startPipeline } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { jupyterBundle, withTempDir } from "../_helpers.ts";
import { putJson, readTable, rowSet, sourceRows } from "./_fixtures.ts";

const CLEAN = { pin: cleanPin, geo: cleanGeo, user: cleanUser };
const USER = "e2etest";

Deno.test({
  name: "the pipeline lands every put record once in each table, equal to cleaning them in batch",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    try {
      await withTempDir(async (dir) => {
        await ensureStreams(fx.kinesis, USER);
        const rows = Object.fromEntries(
          await Promise.all(RECORD_KINDS.map(async (k) => [k, await sourceRows(k, 1000)])),
        );
        await Promise.all(
          RECORD_KINDS.map((k) => putJson(fx.kinesis, streamName(USER, k), rows[k])),
        );
        const pipeline = await startPipeline({
          userId: USER,
          kinesis: fx.kinesis,
          lakehouseDir: join(dir, "lakehouse"),
          checkpointDir: join(dir, "checkpoints"),
          trigger: { availableNow: true },
          minFetchPeriod: 50,
        });
        await pipeline.awaitTermination();
        for (const kind of RECORD_KINDS) {
          const table = await readTable(join(dir, "lakehouse", "default", tableName(USER, kind)));
          const expected = (await CLEAN[kind](rawFrame(kind, rows[kind]))).df;
          assert.equal(table.height, 1000, kind);
          assert.deepEqual(rowSet(table), rowSet(expected), kind);
          const query = pipeline.queries[kind]!;
          assert.equal(query.isActive, false);
          assert.ok(query.lastProgress);
          const total = query.recentProgress.reduce((s, p) => s + p.numInputRows, 0);
          assert.equal(total, 1000);
        }
        // In Jupyter the pipeline shows each query's face, one after the other.
        const face = jupyterBundle(pipeline);
        for (const kind of RECORD_KINDS) {
          const query = jupyterBundle(pipeline.queries[kind]);
          assert.ok(face["text/html"]!.includes(query["text/html"]!), kind);
          assert.ok(face["text/plain"]!.includes(query["text/plain"]!), kind);
        }
      });
    } finally {
      await fx.close();
    }
  },
});
