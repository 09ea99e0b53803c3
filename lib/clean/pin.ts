/**
 * Cleaning of pin records (`pinterest_data`), as the course specifies for
 * `df_pin`.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  type AnyFrame,
  type CleanPlan,
  type CleanResult,
  conform,
  finish,
  lost,
  nullPlaceholders,
  out,
  stage,
} from "./_frame.ts";
import { PIN_SCHEMA, RAW_PIN_SCHEMA } from "./schemas.ts";

/**
 * The strings that carry no information, per pin column. Together with
 * empty and blank strings (in every column) they become null. They are
 * matched exactly, after trimming whitespace (including `\u00a0`).
 *
 * Decisions on the borderline values:
 * - `Untitled` (and `Untitled: Photo`) are kept: a poster can title a pin
 *   "Untitled", so it is content, not a scraping failure, and nulling it
 *   would lose the `: Photo` variant's information too.
 * - `No Tags Available` (the string some pipelines write instead of the
 *   spelled-out form) and `no src image` (the image placeholder some
 *   scrapers emit) are nulled: neither can be real content of its column.
 * - `multi-video(story page format)` in `is_image_or_video` is a real
 *   kind of pin and is kept.
 */
export const PIN_PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  title: ["No Title Data Available"],
  description: ["No description available Story format", "No description available"],
  poster_name: ["User Info Error"],
  follower_count: ["User Info Error"],
  tag_list: ["N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "No Tags Available"],
  image_src: ["Image src error.", "no src image"],
};

/** The string columns of the pin table that are kept as text. */
const TEXT_COLUMNS = [
  "unique_id",
  "title",
  "description",
  "poster_name",
  "tag_list",
  "is_image_or_video",
  "image_src",
  "category",
] as const;

const INT32_MAX = 2_147_483_647;
const COUNT_NUMBER_RE = "^([0-9]+(?:\\.[0-9]+)?)\\s*[kKmMbB]?$";
const COUNT_SUFFIX_RE = "^[0-9]+(?:\\.[0-9]+)?\\s*([kKmMbB]?)$";

/**
 * A follower count string (`"998"`, `"12k"`, `"3M"`, `"1.5k"`, `"2m"`,
 * `"1B"`) as an integer: k = 1,000, M = 1,000,000, B = 1,000,000,000, either
 * case, a decimal rounded to the nearest unit. Null where it has another
 * form or does not fit an Int32. `text` must already be trimmed.
 */
export function followerCount(text: pl.Expr): pl.Expr {
  const number = text.str.extract(COUNT_NUMBER_RE, 1).cast(pl.Float64);
  const suffix = text.str.extract(COUNT_SUFFIX_RE, 1).str.toLowerCase();
  const scale = pl.when(suffix.eq(pl.lit("k"))).then(pl.lit(1e3))
    .when(suffix.eq(pl.lit("m"))).then(pl.lit(1e6))
    .when(suffix.eq(pl.lit("b"))).then(pl.lit(1e9))
    .otherwise(pl.lit(1));
  const value = number.mul(scale).round(0);
  return pl.when(value.ltEq(INT32_MAX)).then(value).otherwise(pl.lit(null)).cast(pl.Int32);
}

/**
 * The path of a save location: `"Local save in /data/travel"` becomes
 * `"/data/travel"`; a value that is already a path is kept. Everything
 * from the first `/` on, trimmed; null when there is no `/`.
 */
export function saveLocationPath(text: pl.Expr): pl.Expr {
  return text.str.extract("^[^/]*(/.*)$", 1).str.strip();
}

/**
 * Cleans raw pin rows:
 * - placeholders ({@linkcode PIN_PLACEHOLDERS}) and empty or blank strings
 *   become null; other text is kept exactly, including a trailing `\u00a0`;
 * - `follower_count` becomes an Int32 ({@linkcode followerCount});
 * - `save_location` keeps only the path ({@linkcode saveLocationPath});
 * - `index` is renamed `ind` (Int64); `downloaded` is dropped;
 * - columns are those of {@linkcode PIN_SCHEMA}, in its order.
 *
 * Missing source columns are read as nulls. `nulled` has a count for every
 * output column but `ind`; `invalid` for `follower_count` (not a count, or
 * too large for an Int32) and `save_location` (no path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { cleanPin } from "./mod.ts";
 *
 * const { df, nulled } = await cleanPin(pl.DataFrame({
 *   index: [7528],
 *   follower_count: ["12k"],
 *   save_location: ["Local save in /data/travel"],
 *   title: ["No Title Data Available"],
 * }));
 * assert.deepEqual(df.getColumn("follower_count").toArray(), [12000]);
 * assert.deepEqual(df.getColumn("save_location").toArray(), ["/data/travel"]);
 * assert.equal(nulled.title, 1);
 * ```
 */
export async function cleanPin(frame: AnyFrame): Promise<CleanResult> {
  const raw = conform(frame, RAW_PIN_SCHEMA);
  const plan: Required<CleanPlan> = {
    stage: {},
    values: { ind: pl.col("index") },
    nulled: {},
    invalid: {},
  };
  for (const name of [...TEXT_COLUMNS, "follower_count", "save_location"]) {
    plan.stage[name] = nullPlaceholders(pl.col(name), PIN_PLACEHOLDERS[name]);
    plan.nulled[name] = lost(pl.col(name), stage(name));
  }
  for (const name of TEXT_COLUMNS) plan.values[name] = stage(name);
  plan.values.follower_count = followerCount(stage("follower_count").str.strip());
  plan.values.save_location = saveLocationPath(stage("save_location"));
  for (const name of ["follower_count", "save_location"]) {
    plan.invalid[name] = lost(stage(name), out(name));
  }
  return await finish(raw, PIN_SCHEMA, plan);
}
