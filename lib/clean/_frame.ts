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
  // One anchored regex (Rust's \s is Unicode-aware and includes \u00a0)
  // rather than trimming every value: no string is copied.
  const alternatives = placeholders.map(escapeRegex).join("|");
  const junk = expr.str.contains(
    placeholders.length === 0 ? "^\\s*$" : `^\\s*(?:${alternatives})?\\s*$`,
  );
  return pl.when(junk).then(pl.lit(null).cast(pl.String)).otherwise(expr);
}

/** `text` with the regex metacharacters escaped. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/**
 * How a table is computed and counted. Evaluated in three steps, each over
 * materialised columns, so that no expression is computed twice: `stage`
 * from the raw columns, then `values` (which may read {@linkcode stage}
 * columns), then the flags (which may read {@linkcode out} columns too).
 */
export interface CleanPlan {
  /** Intermediate columns (read back with `stage(name)`), from the raw columns. */
  stage?: Record<string, pl.Expr>;
  /** Every output column (read back with `out(name)`). */
  values: Record<string, pl.Expr>;
  /** Per output column, true where a present value was a placeholder and became null. */
  nulled?: Record<string, pl.Expr>;
  /** Per output column, true where a present, non-placeholder value could not be converted. */
  invalid?: Record<string, pl.Expr>;
}

const STAGE = "__pinstream_stage__";
const OUT = "__pinstream_out__";
const NULLED = "__pinstream_nulled__";
const INVALID = "__pinstream_invalid__";

/** An intermediate column of a {@linkcode CleanPlan}. */
export function stage(name: string): pl.Expr {
  return pl.col(STAGE + name);
}

/** An output column of a {@linkcode CleanPlan}, before its final cast. */
export function out(name: string): pl.Expr {
  return pl.col(OUT + name);
}

/** True where `before` had a value and `after` has none. */
export function lost(before: pl.Expr, after: pl.Expr): pl.Expr {
  return before.isNotNull().and(after.isNull());
}

/**
 * Evaluates `plan` over `raw` and returns the cleaned frame (columns in
 * `schema` order, cast to `schema`) with its counts.
 */
export async function finish(
  raw: pl.LazyDataFrame,
  schema: Schema,
  plan: CleanPlan,
): Promise<CleanResult> {
  const { stage: stages = {}, values, nulled = {}, invalid = {} } = plan;
  const outputs = Object.entries(schema).map(([name, dtype]) => {
    if (!values[name]) throw new Error(`Cannot clean: no plan for column "${name}"`);
    return out(name).cast(dtype).alias(name);
  });
  const flags = [
    ...Object.entries(nulled).map(([name, flag]) => flag.alias(NULLED + name)),
    ...Object.entries(invalid).map(([name, flag]) => flag.alias(INVALID + name)),
  ];
  const all = await raw
    .withColumns(...Object.entries(stages).map(([name, expr]) => expr.alias(STAGE + name)))
    .withColumns(...Object.entries(values).map(([name, expr]) => expr.alias(OUT + name)))
    .select(...outputs, ...flags)
    .collect();
  const sums = flags.length === 0
    ? {}
    : all.select(...flags.map((_, i) => pl.nth(outputs.length + i).cast(pl.Int64).sum()))
      .toRecords()[0] ?? {};
  // Counts keyed in the table's column order.
  const nulledCounts: Record<string, number> = {};
  const invalidCounts: Record<string, number> = {};
  for (const name of Object.keys(schema)) {
    if (nulled[name]) nulledCounts[name] = Number(sums[NULLED + name] ?? 0);
    if (invalid[name]) invalidCounts[name] = Number(sums[INVALID + name] ?? 0);
  }
  return { df: all.select(...Object.keys(schema)), nulled: nulledCounts, invalid: invalidCounts };
}
