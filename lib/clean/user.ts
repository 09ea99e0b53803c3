/**
 * Cleaning of user records (`user_data`), as the course specifies for
 * `df_user`.
 *
 * @module
 */
import pl from "nodejs-polars";
import {
  type AnyFrame,
  type CleanResult,
  conform,
  finish,
  lost,
  nullPlaceholders,
  out,
  stage,
} from "./_frame.ts";
import { parseUtcTimestamp } from "./_timestamp.ts";
import { RAW_USER_SCHEMA, USER_SCHEMA } from "./schemas.ts";

/**
 * First and last name joined by one space, each trimmed first. A missing or
 * blank part is left out (`"Adam"` alone, not `"Adam "`); null when both are.
 */
export function userName(first: pl.Expr, last: pl.Expr): pl.Expr {
  const joined = pl.concatString(
    [
      nullPlaceholders(first).str.strip(),
      nullPlaceholders(last).str.strip(),
    ],
    " ",
    true,
  );
  return pl.when(joined.eq(pl.lit(""))).then(pl.lit(null).cast(pl.String)).otherwise(joined);
}

/**
 * Cleans raw user rows:
 * - `user_name` = first and last name joined by one space ({@linkcode userName});
 *   `first_name` and `last_name` are dropped;
 * - `date_joined` becomes a UTC microsecond timestamp (the forms that
 *   {@linkcode cleanGeo} accepts for `timestamp`);
 * - `age` is an Int64;
 * - columns are those of {@linkcode USER_SCHEMA}, in its order.
 *
 * Missing source columns are read as nulls. `nulled` counts user names
 * that were present but blank in both parts and blank `date_joined`
 * values; `invalid` counts `date_joined` values that could not be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { cleanUser } from "./mod.ts";
 *
 * const { df } = await cleanUser(pl.DataFrame({
 *   ind: [7528],
 *   first_name: ["Abigail"],
 *   last_name: ["Ali"],
 *   age: [20],
 *   date_joined: ["2015-10-24T11:23:51"],
 * }));
 * assert.deepEqual(df.getColumn("user_name").toArray(), ["Abigail Ali"]);
 * assert.deepEqual(df.getColumn("date_joined").toArray(), [new Date("2015-10-24T11:23:51Z")]);
 * ```
 */
export async function cleanUser(frame: AnyFrame): Promise<CleanResult> {
  const raw = conform(frame, RAW_USER_SCHEMA);
  const first = pl.col("first_name");
  const last = pl.col("last_name");
  return await finish(raw, USER_SCHEMA, {
    stage: { date_joined: nullPlaceholders(pl.col("date_joined")).str.strip() },
    values: {
      ind: pl.col("ind"),
      user_name: userName(first, last),
      age: pl.col("age"),
      date_joined: parseUtcTimestamp(stage("date_joined")),
    },
    nulled: {
      user_name: first.isNotNull().or(last.isNotNull()).and(out("user_name").isNull()),
      date_joined: lost(pl.col("date_joined"), stage("date_joined")),
    },
    invalid: { date_joined: lost(stage("date_joined"), out("date_joined")) },
  });
}
