import assert from "node:assert/strict";
import { join } from "node:path";
import { createStream } from "../../lib/kinesis/admin.ts";
import { Catalog } from "../../lib/catalog.ts";
import { cleanUser, rawFrame } from "../../lib/clean/mod.ts";
import { cleanTransform, readStream } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";
import { putJson, rowSet, sourceRows } from "./_fixtures.ts";

Deno.test({
  name: "writeStream(...).table(name) starts the query into that catalog table, as Spark's toTable",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    try {
      await withTempDir(async (dir) => {
        await createStream(fx.kinesis, "users", { shardCount: 2 });
        const rows = await sourceRows("user", 30);
        await putJson(fx.kinesis, "users", rows);
        const lakehouseDir = join(dir, "lakehouse");
        const writer = readStream({
          format: "kinesis",
          streamName: "users",
          kinesis: fx.kinesis,
          initialPosition: "earliest",
          minFetchPeriod: 50,
        }).writeStream({
          format: "delta",
          outputMode: "append",
          checkpointLocation: join(dir, "checkpoints", "users_query"),
          queryName: "users_query",
          lakehouseDir,
          trigger: { availableNow: true },
          transform: cleanTransform("user"),
        });
        const query = await writer.table("user_table");
        assert.equal(await query.awaitTermination(), true);
        assert.equal(query.name, "users_query");
        const catalog = new Catalog({ lakehouseDir });
        assert.equal(query.tablePath, join(lakehouseDir, "default", "user_table"));
        assert.deepEqual(await catalog.list(), ["default.user_table"]);
        const table = await (await catalog.open("user_table")).read();
        const expected = (await cleanUser(rawFrame("user", rows))).df;
        assert.equal(table.height, 30);
        assert.deepEqual(rowSet(table), rowSet(expected));
      });
    } finally {
      await fx.close();
    }
  },
});

Deno.test("writeStream(...).table(name) refuses a writer that already has a path or another table", async () => {
  const stream = readStream({ format: "kinesis", streamName: "s", endpoint: "http://127.0.0.1:9" });
  await assert.rejects(
    stream.writeStream({ checkpointLocation: "/nowhere", path: "/tmp/t" }).table("t"),
    {
      name: "TypeError",
      message: 'Cannot write the stream to table "t": the query already writes to /tmp/t',
    },
  );
  await assert.rejects(
    stream.writeStream({ checkpointLocation: "/nowhere", table: "a" }).table("b"),
    TypeError,
  );
  await assert.rejects(
    stream.writeStream({ checkpointLocation: "/nowhere" }).table("no/such name"),
    /Cannot use table name "no\/such name"/,
  );
});
