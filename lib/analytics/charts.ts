/**
 * Vega-Lite v5 chart specs for the nine gold answers and for the pipeline
 * health timelines. Pure functions: rows in, a spec with its data inline
 * out, so the same spec renders in the dashboard (vega-embed) and in a
 * notebook (the `application/vnd.vegalite.v5+json` MIME bundle that
 * JupyterLab and VS Code draw without a plotting library).
 *
 * @module
 */
import type { StreamingQueryProgress } from "../stream/progress.ts";
import { maxMillisBehind } from "../stream/progress.ts";
import { AGE_GROUPS } from "./posts.ts";
import { GOLD_NAMES, type GoldName, goldTable } from "./tables.ts";

/** The `$schema` of every spec made here. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** The Jupyter MIME type of a Vega-Lite v5 spec. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** A row of a table, as JSON-like values. */
export type ChartRow = Record<string, unknown>;

/** A Vega-Lite v5 spec (a JSON object). */
export type VegaLiteSpec = Record<string, unknown> & { $schema: string };

/** Options of {@linkcode chartSpec} and {@linkcode healthChartSpec}. */
export interface ChartSpecOptions {
  /**
   * Chart width in pixels, or `"container"` to fill the parent. Default 360.
   *
   * @default {360}
   */
  width?: number | "container";
}

const TITLES: Record<GoldName, string> = {
  category_by_country: "Most popular category by country",
  category_by_year: "Most popular category by year (2018-2022)",
  top_poster_by_country: "User with the most followers by country",
  top_country: "Country of the user with the most followers",
  category_by_age_group: "Most popular category by age group",
  median_followers_by_age_group: "Median follower count by age group",
  users_joined_by_year: "Users who joined by year (2015-2020)",
  median_followers_by_join_year: "Median follower count by join year (2015-2020)",
  median_followers_by_age_group_and_join_year:
    "Median follower count by age group and join year (2015-2020)",
};

/** The chart title of a gold answer. */
export function chartTitle(name: GoldName): string {
  const title = TITLES[name];
  if (!title) throw new TypeError(`Cannot title "${name}": not a gold answer`);
  return title;
}

const q = (field: string, title?: string) => ({
  field,
  type: "quantitative",
  ...(title ? { title } : {}),
});
const n = (field: string, extra: Record<string, unknown> = {}) => ({
  field,
  type: "nominal",
  ...extra,
});
const o = (field: string, extra: Record<string, unknown> = {}) => ({
  field,
  type: "ordinal",
  ...extra,
});
const ageAxis = (extra: Record<string, unknown> = {}) =>
  o("age_group", { title: "age group", sort: [...AGE_GROUPS], ...extra });
const yearAxis = (title: string) => o("post_year", { title });
const tooltip = (name: GoldName) => goldTable(name).columns.map((field) => ({ field }));

function encodingOf(name: GoldName): { mark: unknown; encoding: Record<string, unknown> } {
  const bar = { type: "bar", tooltip: true };
  switch (name) {
    case "category_by_country":
      return {
        mark: bar,
        encoding: {
          y: n("country", { sort: "ascending" }),
          x: q("category_count", "posts"),
          color: n("category"),
        },
      };
    case "category_by_year":
      return {
        mark: bar,
        encoding: {
          x: yearAxis("year"),
          xOffset: n("category"),
          y: q("category_count", "posts"),
          color: n("category"),
        },
      };
    case "top_poster_by_country":
      return {
        mark: bar,
        encoding: {
          y: n("country", { sort: "ascending" }),
          x: q("follower_count", "followers"),
          color: n("poster_name", { legend: null }),
        },
      };
    case "top_country":
      return {
        mark: bar,
        encoding: { y: n("country"), x: q("follower_count", "followers") },
      };
    case "category_by_age_group":
      return {
        mark: bar,
        encoding: {
          x: ageAxis(),
          xOffset: n("category"),
          y: q("category_count", "posts"),
          color: n("category"),
        },
      };
    case "median_followers_by_age_group":
      return {
        mark: bar,
        encoding: { x: ageAxis(), y: q("median_follower_count", "median followers") },
      };
    case "users_joined_by_year":
      return {
        mark: bar,
        encoding: { x: yearAxis("year joined"), y: q("number_users_joined", "users") },
      };
    case "median_followers_by_join_year":
      return {
        mark: { type: "line", point: true, tooltip: true },
        encoding: {
          x: yearAxis("year joined"),
          y: q("median_follower_count", "median followers"),
        },
      };
    case "median_followers_by_age_group_and_join_year":
      return {
        mark: { type: "line", point: true, tooltip: true },
        encoding: {
          x: yearAxis("year joined"),
          y: q("median_follower_count", "median followers"),
          color: ageAxis({ type: "nominal" }),
        },
      };
  }
}

/**
 * The Vega-Lite v5 spec of gold answer `name` drawn from `rows` (the gold
 * table's rows; they are copied into the spec as JSON values, so bigints
 * become numbers and dates ISO strings). No rows gives an empty chart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartSpec, VEGA_LITE_SCHEMA } from "./charts.ts";
 * const spec = chartSpec("users_joined_by_year", [{ post_year: 2016, number_users_joined: 3 }]);
 * assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
 * ```
 */
export function chartSpec(
  name: GoldName,
  rows: readonly ChartRow[],
  options: ChartSpecOptions = {},
): VegaLiteSpec {
  const { width = 360 } = options;
  if (!(GOLD_NAMES as readonly string[]).includes(name)) {
    throw new TypeError(
      `Cannot chart "${name}": expected one of the gold answers ${GOLD_NAMES.join(", ")}`,
    );
  }
  if (!Array.isArray(rows)) {
    throw new TypeError(`Cannot chart "${name}": rows must be an array of objects`);
  }
  const { mark, encoding } = encodingOf(name);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: TITLES[name],
    description: `Gold table ${name}: ${goldTable(name).columns.join(", ")}`,
    width,
    ...(encoding.y && (encoding.y as { type: string }).type === "nominal"
      ? { height: { step: 14 } }
      : { height: 220 }),
    data: { values: rows.map(jsonRow) },
    mark,
    encoding: { ...encoding, tooltip: tooltip(name) },
  };
}

/** The pipeline health metrics drawn as timelines over recent batches. */
export const HEALTH_METRICS = [
  "inputRowsPerSecond",
  "processedRowsPerSecond",
  "numInputRows",
  "batchDurationMs",
  "millisBehindLatest",
] as const;

/** A pipeline health metric. */
export type HealthMetric = typeof HEALTH_METRICS[number];

const HEALTH_TITLES: Record<HealthMetric, string> = {
  inputRowsPerSecond: "Input rate (rows/s)",
  processedRowsPerSecond: "Process rate (rows/s)",
  numInputRows: "Input rows",
  batchDurationMs: "Batch duration (ms)",
  millisBehindLatest: "Lag behind the stream's tip (ms)",
};

/** The title of a health metric's chart. */
export function healthTitle(metric: HealthMetric): string {
  const title = HEALTH_TITLES[metric];
  if (!title) throw new TypeError(`Cannot title "${metric}": not a health metric`);
  return title;
}

/** One batch's health numbers, as the timelines draw them. */
export interface HealthPoint {
  /** The query's name (or id when it has none). */
  query: string;
  batchId: number;
  /** When the trigger started (ISO 8601). */
  timestamp: string;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  numInputRows: number;
  /** The whole trigger (`durationMs.triggerExecution`). */
  batchDurationMs: number;
  /** The largest lag over the shards (Kinesis `millisBehindLatest`). */
  millisBehindLatest: number;
  numQuarantinedRows: number;
  /** The table version after the batch. */
  tableVersion: number;
}

/** The health numbers of a progress report. */
export function healthPoint(progress: StreamingQueryProgress): HealthPoint {
  return {
    query: progress.name ?? progress.id,
    batchId: progress.batchId,
    timestamp: progress.timestamp,
    inputRowsPerSecond: round2(progress.inputRowsPerSecond),
    processedRowsPerSecond: round2(progress.processedRowsPerSecond),
    numInputRows: progress.numInputRows,
    batchDurationMs: progress.durationMs.triggerExecution,
    millisBehindLatest: maxMillisBehind(progress),
    numQuarantinedRows: progress.numQuarantinedRows,
    tableVersion: progress.sink.version,
  };
}

/**
 * The Vega-Lite v5 timeline of health metric `metric` over the batches of
 * `progress` (progress reports or {@linkcode healthPoint}s; one line per
 * query, by trigger time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { healthChartSpec } from "./charts.ts";
 * const spec = healthChartSpec("numInputRows", []);
 * assert.deepEqual((spec.data as { values: unknown[] }).values, []);
 * ```
 */
export function healthChartSpec(
  metric: HealthMetric,
  progress: readonly (StreamingQueryProgress | HealthPoint)[],
  options: ChartSpecOptions = {},
): VegaLiteSpec {
  const { width = 360 } = options;
  if (!(HEALTH_METRICS as readonly string[]).includes(metric)) {
    throw new TypeError(
      `Cannot chart "${metric}": expected one of ${HEALTH_METRICS.join(", ")}`,
    );
  }
  const points = progress.map((p) => "durationMs" in p ? healthPoint(p) : p);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: HEALTH_TITLES[metric],
    width,
    height: 120,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: "line", point: true, tooltip: true },
    encoding: {
      x: { field: "timestamp", type: "temporal", title: "trigger time" },
      y: { field: metric, type: "quantitative", title: null },
      color: {
        field: "query",
        type: "nominal",
        // One query: its name is the chart's context, a legend would repeat it.
        legend: new Set(points.map((p) => p.query)).size > 1
          ? { orient: "bottom", title: null }
          : null,
      },
      tooltip: [
        { field: "query" },
        { field: "batchId", type: "quantitative" },
        { field: metric, type: "quantitative" },
        { field: "tableVersion", type: "quantitative" },
      ],
    },
  };
}

/** A Jupyter MIME bundle that draws `spec` (plain text: its title). */
export function chartBundle(spec: VegaLiteSpec): Record<string, unknown> {
  return { [VEGA_LITE_MIME]: spec, "text/plain": String(spec.title ?? "Vega-Lite chart") };
}

/** A row as JSON values: bigints become numbers, dates ISO strings. */
export function jsonRow(row: ChartRow): ChartRow {
  const out: ChartRow = {};
  for (const [key, value] of Object.entries(row)) out[key] = jsonValue(value);
  return out;
}

function jsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value === undefined ? null : value;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
