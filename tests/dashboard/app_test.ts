import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../../lib/catalog.ts";
import {
  chartSpec,
  HEALTH_METRICS,
  healthChartSpec,
  type HealthPoint,
} from "../../lib/analytics/charts.ts";
import { GOLD_NAMES } from "../../lib/analytics/tables.ts";
import { createDashboardApp, startDashboard } from "../../lib/dashboard/mod.ts";
import { withTempDir } from "../_helpers.ts";
import {
  appendQuarantine,
  appendSilver,
  GOLD_ROWS,
  progress,
  USER_ID,
  writeGold,
  writeProgress,
} from "./_fixtures.ts";

const ARRIVAL = Date.UTC(2026, 10, 30, 9, 0, 0);

function dirs(root: string) {
  return { lakehouseDir: join(root, "lakehouse"), checkpointDir: join(root, "checkpoints") };
}

Deno.test("GET /api/tables lists each table's version, rows and quarantined rows, and the newest reasons", async () => {
  await withTempDir(async (root) => {
    const { lakehouseDir, checkpointDir } = dirs(root);
    const catalog = new Catalog({ lakehouseDir });
    await appendSilver(catalog, "pin", 0, 3);
    await appendSilver(catalog, "geo", 0, 2);
    await appendQuarantine(
      catalog,
      `${USER_ID}_pin_table`,
      ["first reason", "second reason"],
      ARRIVAL,
    );
    const app = createDashboardApp({ lakehouseDir, checkpointDir, userId: USER_ID });

    const res = await app.request("/api/tables");
    assert.equal(res.status, 200);
    const pinBad = (i: number, reason: string) => ({
      table: `${USER_ID}_pin_table`,
      stage: "validate",
      reason,
      shardId: "shardId-000000000000",
      sequenceNumber: String(100 + i),
      arrivedAt: new Date(ARRIVAL + i).toISOString(),
      data: `{"bad": ${i}}`,
    });
    assert.deepEqual(await res.json(), {
      tables: [
        { table: `${USER_ID}_pin_table`, version: 1, rows: 3, quarantined: 2 },
        { table: `${USER_ID}_geo_table`, version: 1, rows: 2, quarantined: 0 },
        { table: `${USER_ID}_user_table`, version: null, rows: 0, quarantined: 0 },
      ],
      quarantine: [pinBad(1, "second reason"), pinBad(0, "first reason")],
    });

    // A new commit shows at once: the cache is per table version.
    await appendSilver(catalog, "pin", 3, 4);
    await appendSilver(catalog, "user", 0, 1);
    const again = await (await app.request("/api/tables")).json();
    assert.deepEqual(again.tables.slice(0, 3), [
      { table: `${USER_ID}_pin_table`, version: 2, rows: 7, quarantined: 2 },
      { table: `${USER_ID}_geo_table`, version: 1, rows: 2, quarantined: 0 },
      { table: `${USER_ID}_user_table`, version: 1, rows: 1, quarantined: 0 },
    ]);
  });
});

Deno.test("GET /api/tables lists the user's other tables after the silver ones, and no other user's", async () => {
  await withTempDir(async (root) => {
    const { lakehouseDir, checkpointDir } = dirs(root);
    const catalog = new Catalog({ lakehouseDir });
    await writeGold(catalog);
    await new Catalog({ lakehouseDir }).create("someoneelse_pin_table", {
      ind: (await import("nodejs-polars")).default.Int64,
    });
    const app = createDashboardApp({ lakehouseDir, checkpointDir, userId: USER_ID });
    const body = await (await app.request("/api/tables")).json();
    const gold = Object.keys(GOLD_ROWS).sort().map((name) => ({
      table: `${USER_ID}_${name}`,
      version: 1,
      rows: GOLD_ROWS[name]!.length,
      quarantined: 0,
    }));
    assert.deepEqual(body.tables.slice(3), gold);
    assert.deepEqual(body.quarantine, []);
  });
});

Deno.test("GET /api/analytics answers the nine gold tables' rows and chart specs, an absent one empty", async () => {
  await withTempDir(async (root) => {
    const { lakehouseDir, checkpointDir } = dirs(root);
    await writeGold(new Catalog({ lakehouseDir }));
    const app = createDashboardApp({ lakehouseDir, checkpointDir, userId: USER_ID });
    const res = await app.request("/api/analytics");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      answers: GOLD_NAMES.map((name) => {
        const rows = GOLD_ROWS[name] ?? [];
        return {
          name,
          table: `${USER_ID}_${name}`,
          version: name in GOLD_ROWS ? 1 : null,
          rows,
          spec: chartSpec(name, rows),
        };
      }),
    });
  });
});

Deno.test("GET /api/analytics on an empty lakehouse answers nine empty answers", async () => {
  await withTempDir(async (root) => {
    const app = createDashboardApp({ ...dirs(root), userId: USER_ID });
    const body = await (await app.request("/api/analytics")).json();
    assert.deepEqual(
      body.answers.map((a: { version: null; rows: [] }) => [a.version, a.rows]),
      GOLD_NAMES.map(() => [null, []]),
    );
  });
});

function point(query: string, batchId: number, rows: number, version: number): HealthPoint {
  return {
    query,
    batchId,
    timestamp: new Date(Date.UTC(2026, 10, 30, 12, 0, batchId)).toISOString(),
    inputRowsPerSecond: rows / 2,
    processedRowsPerSecond: rows * 4,
    numInputRows: rows,
    batchDurationMs: 50 + batchId,
    millisBehindLatest: Math.max(10 * batchId, 5),
    numQuarantinedRows: 0,
    tableVersion: version,
  };
}

Deno.test("GET /api/progress answers per query its newest batches' health and timelines", async () => {
  await withTempDir(async (root) => {
    const { lakehouseDir, checkpointDir } = dirs(root);
    const pin = `${USER_ID}_pin_query`;
    const geo = `${USER_ID}_geo_query`;
    await writeProgress(checkpointDir, pin, [progress(pin, 0, 4, 1), progress(pin, 1, 6, 2)]);
    await writeProgress(checkpointDir, geo, [progress(geo, 0, 3, 1)]);
    await Deno.mkdir(join(checkpointDir, "no_batch_yet", "offsets"), { recursive: true });
    const app = createDashboardApp({ lakehouseDir, checkpointDir, userId: USER_ID });

    const expected = (name: string, recent: HealthPoint[]) => ({
      name,
      checkpoint: name,
      id: `id-${name}`,
      runId: `run-${name}`,
      tableVersion: recent[recent.length - 1]!.tableVersion,
      recent,
      charts: Object.fromEntries(
        HEALTH_METRICS.map((m) => [m, healthChartSpec(m, recent, { width: 230 })]),
      ),
    });
    const res = await app.request("/api/progress");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      queries: [
        expected(geo, [point(geo, 0, 3, 1)]),
        expected(pin, [point(pin, 0, 4, 1), point(pin, 1, 6, 2)]),
      ],
    });

    // Appended batches are read; a line still being written is not.
    await writeProgress(checkpointDir, pin, [progress(pin, 2, 8, 3)]);
    const file = join(checkpointDir, pin, "progress", `run-${pin}.jsonl`);
    await Deno.writeTextFile(file, '{"id": "half a li', { append: true });
    const limited = await (await app.request("/api/progress?limit=2")).json();
    assert.deepEqual(limited.queries[1], expected(pin, [point(pin, 1, 6, 2), point(pin, 2, 8, 3)]));
  });
});

Deno.test("GET /api/progress refuses a bad limit with a 400 that says what is allowed", async () => {
  await withTempDir(async (root) => {
    const app = createDashboardApp({ ...dirs(root), userId: USER_ID });
    const res = await app.request("/api/progress?limit=0");
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      message: "Invalid query parameter limit: must be at least 1",
    });
    const missing = await app.request("/api/nope");
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { message: "No route for GET /api/nope" });
  });
});

Deno.test("the page loads only scripts and styles the dashboard serves from its npm packages", async () => {
  await withTempDir(async (root) => {
    const app = createDashboardApp({ ...dirs(root), userId: USER_ID });
    const page = await app.request("/");
    assert.equal(page.status, 200);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(refs, [
      "data:,",
      "/assets/dashboard.css",
      "/assets/vega.min.js",
      "/assets/vega-lite.min.js",
      "/assets/vega-embed.min.js",
      "/assets/dashboard.js",
    ]);
    for (const ref of refs.slice(1)) {
      const res = await app.request(ref);
      assert.equal(res.status, 200, ref);
      assert.match(
        res.headers.get("content-type") ?? "",
        ref.endsWith(".css") ? /text\/css/ : /text\/javascript/,
      );
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
    const vega = await (await app.request("/assets/vega.min.js")).text();
    assert.match(vega, /version/);
    assert.equal((await app.request("/assets/../deno.json")).status, 404);
    assert.equal((await app.request("/assets/other.js")).status, 404);
  });
});

Deno.test("startDashboard() serves on 127.0.0.1 through a real socket and closes", async () => {
  await withTempDir(async (root) => {
    const { lakehouseDir, checkpointDir } = dirs(root);
    await appendSilver(new Catalog({ lakehouseDir }), "geo", 0, 5);
    const dashboard = startDashboard({ lakehouseDir, checkpointDir, userId: USER_ID });
    try {
      assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await fetch(new URL("/api/tables", dashboard.url));
      const body = await res.json();
      assert.deepEqual(body.tables[1], {
        table: `${USER_ID}_geo_table`,
        version: 1,
        rows: 5,
        quarantined: 0,
      });
    } finally {
      await dashboard.close();
    }
  });
});
