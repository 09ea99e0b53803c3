/**
 * Per-file statistics for `add.stats` («Per-file Statistics»): numRecords,
 * and minValues, maxValues and nullCount for the leading columns, computed
 * with Polars expressions before the file is written.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DeltaStructField } from "./schema.ts";
import { formatDateDays, formatTimestampMicros } from "./partition.ts";

/** Options of {@linkcode computeStats}. */
export interface ComputeStatsOptions {
  /**
   * How many leading columns get statistics (`delta.dataSkippingNumIndexedCols`);
   * -1 means all. Default 32.
   */
  numIndexedCols?: number;
}

/** Longest string kept whole in min/max (Spark's prefix length). */
const STRING_PREFIX = 32;

const INTEGER = new Set(["byte", "short", "integer", "long"]);
const FLOAT = new Set(["float", "double"]);

/** The parsed form of `add.stats`. */
export interface FileStats {
  /** Exact row count of the file. */
  numRecords: number;
  /** Lower bounds per column. */
  minValues?: Record<string, unknown>;
  /** Upper bounds per column. */
  maxValues?: Record<string, unknown>;
  /** Null counts per column. */
  nullCount?: Record<string, unknown>;
}

function jsonObject(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
}

/**
 * Computes the `add.stats` JSON string of `df` for the data columns
 * `fields` (partition columns excluded by the caller). Integers are written
 * exactly (a long above 2^53 too), timestamps as ISO-8601 UTC with
 * milliseconds (min rounded down, max rounded up, so both are true bounds),
 * strings longer than 32 characters get a prefix as min and no max, and
 * NaN or infinite floats drop that column's min/max.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { computeStats } from "./stats.ts";
 * const df = pl.DataFrame({ id: [3, 1, null] }).withColumns(pl.col("id").cast(pl.Int64));
 * const stats = JSON.parse(computeStats(df, [{ name: "id", type: "long", nullable: true, metadata: {} }]));
 * assert.equal(stats.minValues.id, 1);
 * assert.equal(stats.nullCount.id, 1);
 * ```
 */
export function computeStats(
  df: pl.DataFrame,
  fields: DeltaStructField[],
  options: ComputeStatsOptions = {},
): string {
  const { numIndexedCols = 32 } = options;
  const indexed = numIndexedCols < 0 ? fields : fields.slice(0, numIndexedCols);
  const exprs: pl.Expr[] = [];
  indexed.forEach((field, i) => {
    const col = pl.col(field.name);
    exprs.push(col.nullCount().alias(`n${i}`));
    const type = field.type;
    if (typeof type !== "string" || df.height === 0) return;
    if (INTEGER.has(type)) {
      exprs.push(col.min().cast(pl.Utf8).alias(`lo${i}`), col.max().cast(pl.Utf8).alias(`hi${i}`));
    } else if (FLOAT.has(type)) {
      exprs.push(
        col.cast(pl.Float64).min().alias(`lo${i}`),
        col.cast(pl.Float64).max().alias(`hi${i}`),
        col.isNan().sum().alias(`nan${i}`),
      );
    } else if (type === "string") {
      exprs.push(col.min().alias(`lo${i}`), col.max().alias(`hi${i}`));
    } else if (type === "date") {
      exprs.push(
        col.cast(pl.Int32).min().alias(`lo${i}`),
        col.cast(pl.Int32).max().alias(`hi${i}`),
      );
    } else if (type === "timestamp") {
      const micros = col.cast(pl.Datetime("us", "UTC")).cast(pl.Int64);
      exprs.push(micros.min().alias(`lo${i}`), micros.max().alias(`hi${i}`));
    }
  });
  const row = (exprs.length > 0 ? df.select(...exprs).toRecords()[0] : {}) ?? {};
  const mins: [string, string][] = [];
  const maxs: [string, string][] = [];
  const nulls: [string, string][] = [];
  indexed.forEach((field, i) => {
    nulls.push([field.name, String(Number(row[`n${i}`] ?? 0))]);
    const lo = row[`lo${i}`];
    const hi = row[`hi${i}`];
    if (lo === null || lo === undefined || hi === null || hi === undefined) return;
    const type = field.type as string;
    if (INTEGER.has(type)) {
      mins.push([field.name, String(lo)]);
      maxs.push([field.name, String(hi)]);
    } else if (FLOAT.has(type)) {
      if (Number(row[`nan${i}`] ?? 0) > 0) return;
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
      mins.push([field.name, JSON.stringify(lo)]);
      maxs.push([field.name, JSON.stringify(hi)]);
    } else if (type === "string") {
      const low = [...String(lo)];
      mins.push([field.name, JSON.stringify(low.slice(0, STRING_PREFIX).join(""))]);
      const high = [...String(hi)];
      if (high.length <= STRING_PREFIX) maxs.push([field.name, JSON.stringify(String(hi))]);
    } else if (type === "date") {
      const [a, b] = [formatDateDays(Number(lo)), formatDateDays(Number(hi))];
      if (/^\d{4}-/.test(a) && /^\d{4}-/.test(b)) {
        mins.push([field.name, JSON.stringify(a)]);
        maxs.push([field.name, JSON.stringify(b)]);
      }
    } else if (type === "timestamp") {
      const low = Math.floor(Number(lo) / 1000) * 1000;
      const high = Math.ceil(Number(hi) / 1000) * 1000;
      mins.push([field.name, JSON.stringify(formatTimestampMicros(low).replace(/\d{3}Z$/, "Z"))]);
      maxs.push([field.name, JSON.stringify(formatTimestampMicros(high).replace(/\d{3}Z$/, "Z"))]);
    }
  });
  return jsonObject([
    ["numRecords", String(df.height)],
    ["minValues", jsonObject(mins)],
    ["maxValues", jsonObject(maxs)],
    ["nullCount", jsonObject(nulls)],
  ]);
}

/** Parses `add.stats`, or returns null when absent or malformed. */
export function parseStats(stats: string | null | undefined): FileStats | null {
  if (!stats) return null;
  try {
    const value = JSON.parse(stats);
    return typeof value?.numRecords === "number" ? value : null;
  } catch {
    return null;
  }
}
