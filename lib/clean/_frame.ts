/**
 * Helpers private to `lib/clean/`: bringing an input frame to the raw
 * schema, the placeholder rule, and collecting a cleaned frame with its
 * counts in one pass.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Schema } from "./schemas.ts";

/** What each clean function returns. */
export interface CleanResult {
  /** The cleaned frame, with exactly the table's columns, types and order. */
  df: pl.DataFrame;
  /**
   * Per column, how many values were present in the source but carried no
   * information (an empty or blank string, or a listed placeholder such as
   * `User Info Error`) and so became null.
   */
  nulled: Record<string, number>;
  /**
   * Per column, how many values were present and not placeholders but
   * could not be converted (`"abc"` as a follower count, a bad timestamp)
   * and so became null.
   */
  invalid: Record<string, number>;
}

/** A frame the clean functions accept. */
export type AnyFrame = pl.DataFrame | pl.LazyDataFrame;

/** `frame` as a lazy frame; a TypeError for anything else. */
export function toLazy(frame: AnyFrame): pl.LazyDataFrame {
  const f = frame as unknown as Record<string, unknown> | null;
  if (f !== null && typeof f === "object") {
    if (typeof f.collect === "function" && typeof f.withColumns === "function") {
      return frame as pl.LazyDataFrame;
    }
    if (typeof f.lazy === "function") return (frame as pl.DataFrame).lazy();
  }
  throw new TypeError("Cannot clean: expected a Polars DataFrame or LazyDataFrame");
}

/**
 * The raw columns of `frame` as a lazy frame with exactly `schema`: each
 * column cast to its raw type (values that cannot be cast become null, an
 * all-null column of type Null becomes typed), a missing column added as
 * nulls, other columns dropped.
 */
export function conform(frame: AnyFrame, schema: Schema): pl.LazyDataFrame {
  const lf = toLazy(frame);
  const present = new Set(lf.columns);
  if (present.size === 0) {
    // A frame without columns has no rows: start from an empty typed frame.
    return pl.DataFrame([], { schema }).lazy();
  }
  const exprs = Object.entries(schema).map(([name, dtype]) =>
    present.has(name)
      ? pl.col(name).cast(dtype, false).alias(name)
      : pl.lit(null).cast(dtype).alias(name)
  );
  // withColumns broadcasts the null literals to the frame's height.
  return lf.withColumns(...exprs).select(...Object.keys(schema));
}

/**
 * `expr` (a string column) with blank values and the given placeholders
 * made null. Values are compared after trimming Unicode whitespace
 * (including `\u00a0`); values that are kept are returned unchanged.
 */
export function nullPlaceholders(expr: pl.Expr, placeholders: readonly string[] = []): pl.Expr {
  const trimmed = expr.str.strip();
  const junk = placeholders.length === 0
    ? trimmed.eq(pl.lit(""))
    : trimmed.eq(pl.lit("")).or(trimmed.isIn([...placeholders]));
  return pl.when(junk).then(pl.lit(null).cast(pl.String)).otherwise(expr);
}

/** How one output column is computed and counted. */
export interface ColumnPlan {
  /** The cleaned value. */
  value: pl.Expr;
  /** True where a present value was a placeholder and became null. */
  nulled?: pl.Expr;
  /** True where a present, non-placeholder value could not be converted. */
  invalid?: pl.Expr;
}

/** True where `before` had a value and `after` has none. */
export function lost(before: pl.Expr, after: pl.Expr): pl.Expr {
  return before.isNotNull().and(after.isNull());
}

const NULLED = "__pinstream_nulled__";
const INVALID = "__pinstream_invalid__";

/**
 * Evaluates the plans over `raw` in one collect and returns the cleaned
 * frame (columns in `schema` order, cast to `schema`) with its counts.
 */
export async function finish(
  raw: pl.LazyDataFrame,
  schema: Schema,
  plans: Record<string, ColumnPlan>,
): Promise<CleanResult> {
  const exprs: pl.Expr[] = [];
  const flags: pl.Expr[] = [];
  for (const [name, dtype] of Object.entries(schema)) {
    const plan = plans[name];
    if (!plan) throw new Error(`Cannot clean: no plan for column "${name}"`);
    exprs.push(plan.value.cast(dtype).alias(name));
    if (plan.nulled) flags.push(plan.nulled.alias(NULLED + name));
    if (plan.invalid) flags.push(plan.invalid.alias(INVALID + name));
  }
  const all = await raw.select(...exprs, ...flags).collect();
  const sums = flags.length === 0
    ? {}
    : all.select(...flags.map((_, i) => pl.nth(exprs.length + i).cast(pl.Int64).sum()))
      .toRecords()[0] ?? {};
  const nulled: Record<string, number> = {};
  const invalid: Record<string, number> = {};
  for (const [key, count] of Object.entries(sums)) {
    const n = Number(count ?? 0);
    if (key.startsWith(NULLED)) nulled[key.slice(NULLED.length)] = n;
    else if (key.startsWith(INVALID)) invalid[key.slice(INVALID.length)] = n;
  }
  return { df: all.select(...Object.keys(schema)), nulled, invalid };
}
