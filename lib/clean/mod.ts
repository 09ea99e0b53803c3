/**
 * Cleaning of the three record kinds, shared by the batch job and the
 * streaming queries: the course's `df_pin`, `df_geo` and `df_user`
 * transformations, written once as Polars expressions.
 *
 * Each `clean*` function takes the raw rows (a DataFrame or LazyDataFrame
 * with the source columns, as parsed from a record's JSON; columns may be
 * missing or all-null) and resolves to a {@linkcode CleanResult}: the
 * cleaned frame, with exactly the columns and types of the table's schema
 * ({@linkcode CLEAN_SCHEMAS}), and per column the number of placeholders
 * nulled and of unconvertible values nulled. Nothing is ever thrown for a
 * bad value; an empty frame gives an empty frame with the right schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cleanPin, PIN_SCHEMA, rawFrame } from "./mod.ts";
 *
 * const raw = rawFrame("pin", [{ index: 1, follower_count: "User Info Error" }]);
 * const { df, nulled } = await cleanPin(raw);
 * assert.deepEqual(df.columns, Object.keys(PIN_SCHEMA));
 * assert.equal(nulled.follower_count, 1);
 * ```
 *
 * @module
 */
export type { AnyFrame, CleanResult } from "./_frame.ts";
export { cleanPin, followerCount, PIN_PLACEHOLDERS, saveLocationPath } from "./pin.ts";
export { cleanGeo, coordinates } from "./geo.ts";
export { cleanUser, userName } from "./user.ts";
export { rawFrame } from "./raw_frame.ts";
export {
  CLEAN_SCHEMAS,
  GEO_SCHEMA,
  PIN_SCHEMA,
  RAW_GEO_SCHEMA,
  RAW_PIN_SCHEMA,
  RAW_SCHEMAS,
  RAW_USER_SCHEMA,
  type Schema,
  TIMESTAMP_TYPE,
  USER_SCHEMA,
} from "./schemas.ts";
