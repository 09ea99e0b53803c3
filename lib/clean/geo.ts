/**
 * Cleaning of geo records (`geolocation_data`), as the course specifies for
 * `df_geo`.
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
import { GEO_SCHEMA, RAW_GEO_SCHEMA } from "./schemas.ts";

/**
 * `[latitude, longitude]` as a list of two doubles. Null unless both parts
 * are present, finite and in range (latitude -90..90, longitude -180..180):
 * half a coordinate pair locates nothing.
 */
export function coordinates(latitude: pl.Expr, longitude: pl.Expr): pl.Expr {
  const valid = latitude.gtEq(-90).and(latitude.ltEq(90))
    .and(longitude.gtEq(-180)).and(longitude.ltEq(180));
  return pl.when(valid)
    .then(pl.concatList([latitude, longitude]))
    .otherwise(pl.lit(null).cast(pl.List(pl.Float64)));
}

/**
 * Cleans raw geo rows:
 * - `coordinates` = `[latitude, longitude]` ({@linkcode coordinates});
 *   `latitude` and `longitude` are dropped;
 * - `timestamp` becomes a UTC microsecond timestamp: `YYYY-MM-DD HH:MM:SS`,
 *   the ISO `T` form, a fraction of a second and `Z` or an offset are
 *   accepted; a time without offset is read as UTC;
 * - empty or blank strings become null;
 * - columns are those of {@linkcode GEO_SCHEMA}, in its order.
 *
 * Missing source columns are read as nulls. `nulled` counts blank
 * `country` and `timestamp` values; `invalid` counts timestamps that could
 * not be read and coordinate pairs that were partial or out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { cleanGeo } from "./mod.ts";
 *
 * const { df } = await cleanGeo(pl.DataFrame({
 *   ind: [7528],
 *   timestamp: ["2020-08-28 03:52:47"],
 *   latitude: [-89.9787],
 *   longitude: [-173.293],
 *   country: ["Albania"],
 * }));
 * assert.deepEqual(df.toRecords()[0]?.coordinates, [-89.9787, -173.293]);
 * assert.deepEqual(df.getColumn("timestamp").toArray(), [new Date("2020-08-28T03:52:47Z")]);
 * ```
 */
export async function cleanGeo(frame: AnyFrame): Promise<CleanResult> {
  const raw = conform(frame, RAW_GEO_SCHEMA);
  const latitude = pl.col("latitude");
  const longitude = pl.col("longitude");
  return await finish(raw, GEO_SCHEMA, {
    stage: {
      country: nullPlaceholders(pl.col("country")),
      timestamp: nullPlaceholders(pl.col("timestamp")).str.strip(),
    },
    values: {
      ind: pl.col("ind"),
      country: stage("country"),
      coordinates: coordinates(latitude, longitude),
      timestamp: parseUtcTimestamp(stage("timestamp")),
    },
    nulled: {
      country: lost(pl.col("country"), stage("country")),
      timestamp: lost(pl.col("timestamp"), stage("timestamp")),
    },
    invalid: {
      coordinates: latitude.isNotNull().or(longitude.isNotNull()).and(out("coordinates").isNull()),
      timestamp: lost(stage("timestamp"), out("timestamp")),
    },
  });
}
