/**
 * Polars schemas of the raw frames (one column per source field, typed as
 * the JSON parser delivers it) and of the cleaned tables.
 *
 * Types of the cleaned tables, as the Delta tables carry them:
 *
 * - `ind` is `Int64` (Delta `long`) in all three tables.
 * - pin `follower_count` is `Int32` (Delta `integer`, the course's "int"):
 *   the largest real count is 15M, far below 2^31; a count above
 *   2,147,483,647 is unconvertible and becomes null.
 * - user `age` is `Int64` (Delta `long`, what a JSON reader infers).
 * - geo `coordinates` is `List(Float64)` holding `[latitude, longitude]`.
 * - geo `timestamp` and user `date_joined` are `Datetime("us", "UTC")`
 *   (Delta `timestamp`).
 * - every other column is `String`.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { RecordKind } from "../records.ts";

/** A Polars schema: column name to data type, in column order. */
export type Schema = Record<string, pl.DataType>;

/** The type of the cleaned timestamp columns: UTC, microseconds. */
export const TIMESTAMP_TYPE: pl.DataType = pl.Datetime("us", "UTC");

/** Raw pin frame: the fields of a `pinterest_data` record. */
export const RAW_PIN_SCHEMA: Schema = {
  index: pl.Int64,
  unique_id: pl.String,
  title: pl.String,
  description: pl.String,
  poster_name: pl.String,
  follower_count: pl.String,
  tag_list: pl.String,
  is_image_or_video: pl.String,
  image_src: pl.String,
  downloaded: pl.Int64,
  save_location: pl.String,
  category: pl.String,
};

/** Raw geo frame: the fields of a `geolocation_data` record. */
export const RAW_GEO_SCHEMA: Schema = {
  ind: pl.Int64,
  timestamp: pl.String,
  latitude: pl.Float64,
  longitude: pl.Float64,
  country: pl.String,
};

/** Raw user frame: the fields of a `user_data` record. */
export const RAW_USER_SCHEMA: Schema = {
  ind: pl.Int64,
  first_name: pl.String,
  last_name: pl.String,
  age: pl.Int64,
  date_joined: pl.String,
};

/** The raw frame schema of each record kind. */
export const RAW_SCHEMAS: Readonly<Record<RecordKind, Schema>> = {
  pin: RAW_PIN_SCHEMA,
  geo: RAW_GEO_SCHEMA,
  user: RAW_USER_SCHEMA,
};

/** Cleaned pin table (`<USER_ID>_pin_table`, `_pin_batch`), in column order. */
export const PIN_SCHEMA: Schema = {
  ind: pl.Int64,
  unique_id: pl.String,
  title: pl.String,
  description: pl.String,
  follower_count: pl.Int32,
  poster_name: pl.String,
  tag_list: pl.String,
  is_image_or_video: pl.String,
  image_src: pl.String,
  save_location: pl.String,
  category: pl.String,
};

/** Cleaned geo table (`<USER_ID>_geo_table`, `_geo_batch`), in column order. */
export const GEO_SCHEMA: Schema = {
  ind: pl.Int64,
  country: pl.String,
  coordinates: pl.List(pl.Float64),
  timestamp: TIMESTAMP_TYPE,
};

/** Cleaned user table (`<USER_ID>_user_table`, `_user_batch`), in column order. */
export const USER_SCHEMA: Schema = {
  ind: pl.Int64,
  user_name: pl.String,
  age: pl.Int64,
  date_joined: TIMESTAMP_TYPE,
};

/** The cleaned table schema of each record kind. */
export const CLEAN_SCHEMAS: Readonly<Record<RecordKind, Schema>> = {
  pin: PIN_SCHEMA,
  geo: GEO_SCHEMA,
  user: USER_SCHEMA,
};
