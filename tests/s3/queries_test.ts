/**
 * The gold query, a Delta-source query and the dashboard at s3:// locations: the lakehouse and
 * the checkpoint directory in a real local S3 (moto), read and written
 * through the storage layer, with the same answers as on disk.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { Catalog } from "../../lib/catalog.ts";
import { healthPoint } from "../../lib/analytics/charts.ts";
import { createDashboardApp } from "../../lib/dashboard/mod.ts";
import { ProgressReader } from "../../lib/dashboard/progress.ts";
import { DeltaTable, joinLocation, openStorage } from "../../lib/delta/mod.ts";
import { QueryCheckpoint } from "../../lib/stream/offsets_log.ts";
import { readStream, type SilverDataFrames, startAnalyticsQuery } from "../../lib/stream/mod.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";
import {
  appendQuarantine,
  appendSilver,
  progress,
  startDashboardProcess,
  USER_ID,
} from "../dashboard/_fixtures.ts";
import { readTable, rowSet } from "../stream/_fixtures.ts";
import {
  compute,
  geoRows,
  KINDS,
  options,
  pinRows,
  silverTables,
  userRows,
} from "../stream/_gold_fixtures.ts";

const ARRIVAL = Date.UTC(2026, 10, 30, 9, 0, 0);

Deno.test({
  name: "the gold query reads silver tables and writes gold tables and its checkpoint in S3",
  ignore: skipWithoutMoto("the gold query in S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const dir = s3.url("run");
      const silver = await silverTables(joinLocation(dir, "lakehouse"));
      await silver.pin!.append(pinRows(0, 6));
      await silver.geo!.append(geoRows(0, 6));
      await silver.user!.append(userRows(0, 6));
      const query = await startAnalyticsQuery(options(dir));
      try {
        await query.processAllAvailable();
        const last = query.lastProgress!;
        assert.equal(query.checkpointLocation, s3.url("run/checkpoints/goldtest1_gold_query"));
        assert.deepEqual(last.silverVersions, { pin: 1, geo: 1, user: 1 });
        assert.equal(
          last.sink.description,
          `GoldTables[${s3.url("run/lakehouse/default/goldtest1_*")}]`,
        );
        const frames = {} as SilverDataFrames;
        for (const kind of KINDS) {
          frames[kind] = await (await DeltaTable.open(query.silverPaths[kind]))
            .read({ version: last.silverVersions[kind] });
        }
        for (const [name, df] of Object.entries(compute(frames))) {
          assert.match(query.goldTablePath(name), /^s3:\/\//);
          assert.deepEqual(rowSet(await readTable(query.goldTablePath(name))), rowSet(df), name);
        }
        assert.deepEqual(rowSet(await readTable(query.goldTablePath("category_count"))), [
          '{"category":"art","category_count":3}',
          '{"category":"food","category_count":3}',
        ]);
      } finally {
        await query.stop();
      }
      const checkpoint = openStorage(s3.url("run/checkpoints/goldtest1_gold_query"));
      const files = (await checkpoint.list("")).map((f) => f.path);
      assert.ok(files.includes("metadata") && files.includes("commits/0"), files.join(", "));
    });
  },
});

Deno.test({
  name:
    "the dashboard's /api/tables and /api/progress read an s3:// lakehouse and checkpoint directory",
  ignore: skipWithoutMoto("the dashboard on S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const lakehouseDir = s3.url("lakehouse");
      const checkpointDir = s3.url("checkpoints");
      const catalog = new Catalog({ lakehouseDir });
      await appendSilver(catalog, "pin", 0, 3);
      await appendSilver(catalog, "geo", 0, 2);
      await appendQuarantine(catalog, `${USER_ID}_pin_table`, ["first reason"], ARRIVAL);
      const pin = `${USER_ID}_pin_query`;
      const geo = `${USER_ID}_geo_query`;
      const write = (query: string, batchId: number, rows: number, version: number) =>
        new QueryCheckpoint(joinLocation(checkpointDir, query))
          .appendProgress(`run-${query}`, progress(query, batchId, rows, version));
      await write(pin, 0, 4, 1);
      await write(pin, 1, 6, 2);
      await write(geo, 0, 3, 1);
      await new QueryCheckpoint(joinLocation(checkpointDir, "no_batch_yet")).writeMetadata({
        id: "x",
      });
      const app = createDashboardApp({ lakehouseDir, checkpointDir, userId: USER_ID });

      const tables = await app.request("/api/tables");
      assert.equal(tables.status, 200);
      assert.deepEqual(await tables.json(), {
        tables: [
          { table: `${USER_ID}_pin_table`, version: 1, rows: 3, quarantined: 1 },
          { table: `${USER_ID}_geo_table`, version: 1, rows: 2, quarantined: 0 },
          { table: `${USER_ID}_user_table`, version: null, rows: 0, quarantined: 0 },
        ],
        quarantine: [{
          table: `${USER_ID}_pin_table`,
          stage: "validate",
          reason: "first reason",
          shardId: "shardId-000000000000",
          sequenceNumber: "100",
          arrivedAt: new Date(ARRIVAL).toISOString(),
          data: '{"bad": 0}',
        }],
      });

      const point = (name: string, batchId: number, rows: number, version: number) =>
        healthPoint(progress(name, batchId, rows, version));
      const body = await (await app.request("/api/progress")).json();
      assert.deepEqual(
        body.queries.map((
          q: Record<string, unknown>,
        ) => [q.name, q.checkpoint, q.tableVersion, q.recent]),
        [
          [geo, geo, 1, [point(geo, 0, 3, 1)]],
          [pin, pin, 2, [point(pin, 0, 4, 1), point(pin, 1, 6, 2)]],
        ],
      );

      // A batch appended since (the object rewritten whole) is read; the reader
      // parses only past what it read before.
      await write(pin, 2, 8, 3);
      const reader = new ProgressReader(checkpointDir);
      assert.equal(reader.checkpointDir, checkpointDir);
      const summaries = await reader.read(2);
      assert.deepEqual(summaries.map((s) => [s.name, s.tableVersion, s.recent]), [
        [geo, 1, [point(geo, 0, 3, 1)]],
        [pin, 3, [point(pin, 1, 6, 2), point(pin, 2, 8, 3)]],
      ]);
      await write(pin, 3, 1, 4);
      assert.deepEqual((await reader.read(1))[1]!.recent, [point(pin, 3, 1, 4)]);
    });
  },
});

Deno.test({
  name:
    "a Delta-source query reads an s3:// table and writes an s3:// table and checkpoint, each commit once across restarts",
  ignore: skipWithoutMoto("Delta-source queries in S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const ids = (from: number, to: number) =>
        pl.DataFrame({ id: Array.from({ length: to - from }, (_, i) => from + i) })
          .withColumns(pl.col("id").cast(pl.Int64));
      const source = await DeltaTable.create(s3.url("source"), ids(0, 1).schema);
      const drain = async () => {
        const query = await readStream({ format: "delta", path: s3.url("source/") })
          .writeStream({
            checkpointLocation: s3.url("checkpoint/"),
            path: s3.url("target"),
            trigger: { availableNow: true },
          })
          .start();
        await query.awaitTermination();
        return query;
      };
      const sorted = async () =>
        ((await readTable(s3.url("target"))).getColumn("id").toArray() as (number | bigint)[])
          .map(Number).sort((a, b) => a - b);
      await source.append(ids(0, 5));
      const first = await drain();
      assert.equal(first.checkpointLocation, s3.url("checkpoint"));
      assert.deepEqual(await sorted(), [0, 1, 2, 3, 4]);
      await source.append(ids(5, 8));
      await drain();
      assert.deepEqual(await sorted(), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(
        (await openStorage(s3.url("checkpoint")).list("commits/")).map((f) => f.path),
        ["commits/0", "commits/1"],
      );
    });
  },
});

Deno.test({
  name:
    "deno task dashboard with s3:// LAKEHOUSE_DIR and CHECKPOINT_DIR serves the bucket's tables and progress",
  ignore: skipWithoutMoto("deno task dashboard on S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const lakehouseDir = s3.url("lakehouse");
      const checkpointDir = s3.url("checkpoints");
      await appendSilver(new Catalog({ lakehouseDir }), "pin", 0, 2);
      const pin = `${USER_ID}_pin_query`;
      await new QueryCheckpoint(joinLocation(checkpointDir, pin))
        .appendProgress(`run-${pin}`, progress(pin, 0, 2, 1));
      const dashboard = await startDashboardProcess(
        {
          ...s3.env,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          LAKEHOUSE_DIR: lakehouseDir,
          CHECKPOINT_DIR: checkpointDir,
          USER_ID,
        },
        ["--port", "0"],
      );
      let stopped = false;
      try {
        const tables = await (await fetch(new URL("/api/tables", dashboard.url))).json();
        assert.deepEqual(tables.tables[0], {
          table: `${USER_ID}_pin_table`,
          version: 1,
          rows: 2,
          quarantined: 0,
        });
        const body = await (await fetch(new URL("/api/progress", dashboard.url))).json();
        assert.deepEqual(
          body.queries.map((q: Record<string, unknown>) => [q.name, q.tableVersion, q.recent]),
          [[pin, 1, [healthPoint(progress(pin, 0, 2, 1))]]],
        );
        const { code, output } = await dashboard.stop();
        stopped = true;
        assert.equal(code, 0, output);
        assert.match(
          output,
          new RegExp(`tables in ${lakehouseDir}, checkpoints in ${checkpointDir}`),
        );
      } finally {
        if (!stopped) await dashboard.stop();
      }
    });
  },
});
