/**
 * Shared helpers of the gold query tests: three small silver tables, a
 * stand-in for the analytics answers, and the query options (also used by
 * the child process of the crash test). `dir` may be a path or `s3://...`.
 *
 * @module
 */
import { joinLocation } from "../../lib/delta/storage/mod.ts";
import pl from "nodejs-polars";
import { DeltaTable } from "../../lib/delta/mod.ts";
import type { AnalyticsQueryOptions, SilverDataFrames } from "../../lib/stream/mod.ts";

/** The user id naming the test tables. */
export const USER_ID = "goldtest1";
/** The silver kinds. */
export const KINDS = ["pin", "geo", "user"] as const;

/** A small stand-in for the analytics answers: counts over the silver tables. */
export function compute(silver: SilverDataFrames): Record<string, pl.DataFrame> {
  const count = (name: string) => pl.col("ind").count().cast(pl.Int64).alias(name);
  return {
    category_count: silver.pin.groupBy("category").agg(count("category_count")).sort("category"),
    posts_by_country: silver.pin.join(silver.geo, { on: "ind" }).groupBy("country")
      .agg(count("posts")).sort("country"),
    users_total: pl.DataFrame({ users: [silver.user.height] }).withColumns(
      pl.col("users").cast(pl.Int64),
    ),
  };
}

/** Rows with `ind` from..to-1. */
export function pinRows(from: number, to: number): pl.DataFrame {
  const ind = Array.from({ length: to - from }, (_, i) => from + i);
  return pl.DataFrame({ ind, category: ind.map((i) => ["art", "food"][i % 2]!) })
    .withColumns(pl.col("ind").cast(pl.Int64));
}

/** Rows with `ind` from..to-1. */
export function geoRows(from: number, to: number): pl.DataFrame {
  const ind = Array.from({ length: to - from }, (_, i) => from + i);
  return pl.DataFrame({ ind, country: ind.map((i) => ["Chile", "Peru", "Togo"][i % 3]!) })
    .withColumns(pl.col("ind").cast(pl.Int64));
}

/** Rows with `ind` from..to-1. */
export function userRows(from: number, to: number): pl.DataFrame {
  const ind = Array.from({ length: to - from }, (_, i) => from + i);
  return pl.DataFrame({ ind, age: ind.map((i) => 20 + i) })
    .withColumns(pl.col("ind").cast(pl.Int64), pl.col("age").cast(pl.Int64));
}

const ROWS = { pin: pinRows, geo: geoRows, user: userRows };

/** Creates the three empty silver tables under `lakehouseDir`. */
export async function silverTables(lakehouseDir: string): Promise<Record<string, DeltaTable>> {
  const out: Record<string, DeltaTable> = {};
  for (const kind of KINDS) {
    const path = joinLocation(lakehouseDir, "default", `${USER_ID}_${kind}_table`);
    out[kind] = await DeltaTable.create(path, ROWS[kind](0, 1).schema);
  }
  return out;
}

/** Gold query options over `dir`, triggering every 20 ms. */
export function options(dir: string): AnalyticsQueryOptions {
  return {
    compute,
    userId: USER_ID,
    lakehouseDir: joinLocation(dir, "lakehouse"),
    checkpointDir: joinLocation(dir, "checkpoints"),
    trigger: { processingTime: 20 },
  };
}
