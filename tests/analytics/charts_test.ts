import assert from "node:assert/strict";
import { compile } from "vega-lite";
// vega-lite's own compiler: a spec it compiles is valid Vega-Lite.
import {
  chartBundle,
  chartSpec,
  HEALTH_METRICS,
  healthChartSpec,
  healthPoint,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
} from "../../lib/analytics/charts.ts";
import { GOLD_NAMES, type GoldName, goldTable } from "../../lib/analytics/tables.ts";
import type { StreamingQueryProgress } from "../../lib/stream/progress.ts";

const SAMPLE: Record<GoldName, Record<string, unknown>[]> = {
  category_by_country: [
    { country: "Albania", category: "art", category_count: 3n },
    { country: "Chile", category: "travel", category_count: 2n },
    { country: "Chile", category: "quotes", category_count: 2n },
  ],
  category_by_year: [{ post_year: 2018, category: "art", category_count: 5 }],
  top_poster_by_country: [{ country: "Chile", poster_name: "Home Decor", follower_count: 9000 }],
  top_country: [{ country: "Chile", follower_count: 9000 }],
  category_by_age_group: [
    { age_group: "18-24", category: "art", category_count: 4 },
    { age_group: "+50", category: "travel", category_count: 1 },
  ],
  median_followers_by_age_group: [{ age_group: "25-35", median_follower_count: 1500.5 }],
  users_joined_by_year: [{ post_year: 2015, number_users_joined: 12 }],
  median_followers_by_join_year: [{ post_year: 2016, median_follower_count: 88 }],
  median_followers_by_age_group_and_join_year: [
    { age_group: "36-50", post_year: 2017, median_follower_count: 10 },
  ],
};

function fieldsOf(spec: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const channel of Object.values(spec.encoding as Record<string, unknown>)) {
    for (const def of Array.isArray(channel) ? channel : [channel]) {
      const field = (def as { field?: string }).field;
      if (field) fields.push(field);
    }
  }
  return fields;
}

for (const name of GOLD_NAMES) {
  Deno.test(`chartSpec("${name}") is Vega-Lite v5 that compiles, with the rows inline`, () => {
    for (const rows of [SAMPLE[name], []]) {
      const spec = chartSpec(name, rows);
      assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
      assert.equal(typeof spec.title, "string");
      const values = (spec.data as { values: Record<string, unknown>[] }).values;
      assert.deepEqual(
        values,
        rows.map((r) =>
          Object.fromEntries(
            Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
          )
        ),
      );
      // JSON-safe: a notebook bundle and the dashboard's JSON carry it as is.
      assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
      for (const field of fieldsOf(spec)) {
        assert.ok(goldTable(name).columns.includes(field), `${name} has no column ${field}`);
      }
      const vega = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
      assert.ok(Array.isArray(vega.marks) && vega.marks.length > 0);
    }
  });
}

Deno.test("chartSpec() refuses a name that is not a gold answer", () => {
  assert.throws(() => chartSpec("nope" as GoldName, []), TypeError);
});

Deno.test("chartBundle() is a Jupyter MIME bundle of the Vega-Lite v5 spec", () => {
  const spec = chartSpec("top_country", SAMPLE.top_country);
  assert.deepEqual(chartBundle(spec), {
    [VEGA_LITE_MIME]: spec,
    "text/plain": "Country of the user with the most followers",
  });
});

function progress(batchId: number, rows: number): StreamingQueryProgress {
  return {
    id: "q1",
    runId: "r1",
    name: "u_pin_query",
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, batchId)).toISOString(),
    batchId,
    numInputRows: rows,
    inputRowsPerSecond: rows / 3,
    processedRowsPerSecond: rows * 10,
    durationMs: {
      latestOffset: 1,
      getBatch: 2,
      addBatch: 3,
      walCommit: 4,
      commitOffsets: 5,
      triggerExecution: 100 + batchId,
    },
    sources: [{
      description: "KinesisV2[s]",
      startOffset: null,
      endOffset: {},
      latestOffset: {},
      numInputRows: rows,
      inputRowsPerSecond: rows / 3,
      processedRowsPerSecond: rows * 10,
      millisBehindLatest: { "shardId-000000000000": 40, "shardId-000000000001": 70 },
    }],
    sink: {
      description: "DeltaSink[t]",
      numOutputRows: rows,
      version: batchId + 1,
      skipped: false,
    },
    numQuarantinedRows: 1,
    nulledValues: {},
    invalidValues: {},
  } as unknown as StreamingQueryProgress;
}

Deno.test("healthPoint() takes rates, rows, trigger duration, largest lag and version", () => {
  assert.deepEqual(healthPoint(progress(2, 10)), {
    query: "u_pin_query",
    batchId: 2,
    timestamp: "2026-01-01T00:00:02.000Z",
    inputRowsPerSecond: 3.33,
    processedRowsPerSecond: 100,
    numInputRows: 10,
    batchDurationMs: 102,
    millisBehindLatest: 70,
    numQuarantinedRows: 1,
    tableVersion: 3,
  });
});

for (const metric of HEALTH_METRICS) {
  Deno.test(`healthChartSpec("${metric}") is Vega-Lite v5 that compiles`, () => {
    for (const entries of [[progress(0, 5), progress(1, 7)], []]) {
      const spec = healthChartSpec(metric, entries);
      assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
      const values = (spec.data as { values: Record<string, unknown>[] }).values;
      assert.deepEqual(values.map((v) => v[metric]), entries.map((p) => healthPoint(p)[metric]));
      assert.deepEqual(healthChartSpec(metric, entries.map(healthPoint)), spec);
      const vega = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
      assert.ok(Array.isArray(vega.marks) && vega.marks.length > 0);
    }
  });
}
