/**
 * The posts the analytics count: the three silver tables deduplicated by
 * `ind` and joined into one row per post, plus the age groups.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AnyFrame } from "../clean/mod.ts";

/**
 * The three silver tables as the streaming queries write them
 * (`<USER_ID>_pin_table`, `_geo_table`, `_user_table`, in the schemas of
 * `lib/clean`), each in table order (the order `DeltaTable.read()` gives).
 */
export interface SilverFrames {
  /** Cleaned pin rows: `ind`, `category`, `poster_name`, `follower_count`, ... */
  pin: AnyFrame;
  /** Cleaned geo rows: `ind`, `country`, `timestamp`, ... */
  geo: AnyFrame;
  /** Cleaned user rows: `ind`, `user_name`, `age`, `date_joined`. */
  user: AnyFrame;
}

/** The columns of a post, as {@linkcode joinPosts} gives them, in order. */
export const POST_COLUMNS = [
  "ind",
  "category",
  "poster_name",
  "follower_count",
  "country",
  "timestamp",
  "user_name",
  "age",
  "date_joined",
] as const;

/** The course's age groups, in their natural order. */
export const AGE_GROUPS = ["18-24", "25-35", "36-50", "+50"] as const;

/** One of {@linkcode AGE_GROUPS}. */
export type AgeGroup = typeof AGE_GROUPS[number];

const SILVER_COLUMNS = {
  pin: ["ind", "category", "poster_name", "follower_count"],
  geo: ["ind", "country", "timestamp"],
  user: ["ind", "user_name", "age", "date_joined"],
} as const;

function lazy(frame: AnyFrame): pl.LazyDataFrame {
  return "collectSync" in frame ? frame : frame.lazy();
}

/**
 * The rows of `frame` with a distinct, non-null `ind`: the first row of each
 * `ind` in frame order wins (the first committed, since the emitter samples
 * with replacement and a post can arrive twice).
 */
export function firstPerInd(frame: AnyFrame): pl.LazyDataFrame {
  return lazy(frame)
    .filter(pl.col("ind").isNotNull())
    .unique({ subset: ["ind"], keep: "first", maintainOrder: true });
}

/**
 * One row per post: pin, geo and user each deduplicated by `ind`
 * ({@linkcode firstPerInd}), then pin inner-joined with geo and user on
 * `ind`. Columns are {@linkcode POST_COLUMNS}; row order is unspecified.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { joinPosts } from "./posts.ts";
 *
 * const posts = joinPosts({
 *   pin: pl.DataFrame({ ind: [1, 1, 2], category: ["art", "travel", "diy"], poster_name: ["a", "a", "b"], follower_count: [5, 5, 6] }),
 *   geo: pl.DataFrame({ ind: [1], country: ["Chad"], timestamp: [new Date("2019-01-01")] }),
 *   user: pl.DataFrame({ ind: [1, 2], user_name: ["Ann Lee", "Bo Li"], age: [20, 30], date_joined: [new Date("2016-01-01"), new Date("2016-02-01")] }),
 * }).collectSync();
 * assert.deepEqual(posts.getColumn("category").toArray(), ["art"]);
 * ```
 */
export function joinPosts(silver: SilverFrames): pl.LazyDataFrame {
  const part = (kind: keyof SilverFrames) =>
    firstPerInd(lazy(silver[kind]).select(...SILVER_COLUMNS[kind]));
  return part("pin")
    .join(part("geo"), { on: "ind", how: "inner" })
    .join(part("user"), { on: "ind", how: "inner" })
    .select(...POST_COLUMNS);
}

/**
 * The course's age group of an age: `18-24`, `25-35`, `36-50` or `+50`
 * (over 50); null under 18 and for a null age.
 */
export function ageGroup(age: pl.Expr): pl.Expr {
  return pl.when(age.gtEq(18).and(age.ltEq(24))).then(pl.lit("18-24"))
    .when(age.gtEq(25).and(age.ltEq(35))).then(pl.lit("25-35"))
    .when(age.gtEq(36).and(age.ltEq(50))).then(pl.lit("36-50"))
    .when(age.gt(50)).then(pl.lit("+50"))
    .otherwise(pl.lit(null).cast(pl.String));
}

/** The position of an age group in {@linkcode AGE_GROUPS} (for ordering rows). */
export function ageGroupOrder(group: pl.Expr): pl.Expr {
  const [a, b, c, d] = AGE_GROUPS;
  return pl.when(group.eq(pl.lit(a))).then(pl.lit(0))
    .when(group.eq(pl.lit(b))).then(pl.lit(1))
    .when(group.eq(pl.lit(c))).then(pl.lit(2))
    .when(group.eq(pl.lit(d))).then(pl.lit(3))
    .otherwise(pl.lit(AGE_GROUPS.length));
}
