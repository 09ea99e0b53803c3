/**
 * The raw records that flow through pinstream: one row of each of the
 * course's three source tables, as the emitter sends it and as a stream
 * reader receives it. The API, the emitter, the data generator and the
 * stream parser share these zod schemas.
 *
 * Values are checked for JSON type only: placeholders such as
 * `"User Info Error"` are valid raw data (cleaning turns them into nulls),
 * and a timestamp that cannot be parsed is nulled and counted by cleaning,
 * not refused here.
 *
 * @module
 */
import { z } from "zod";

/** The kinds of record, one per stream and table. */
export const RECORD_KINDS = ["pin", "geo", "user"] as const;
/** One of `pin`, `geo`, `user`. */
export type RecordKind = typeof RECORD_KINDS[number];

/**
 * The 13 categories of the course's pin data, in alphabetical order: the
 * values of a pin's `category` and the last folder of its `save_location`
 * (`Local save in /data/<category>`). The data generator, its word lists
 * and the benchmarks draw from this list.
 */
export const CATEGORIES = [
  "art",
  "beauty",
  "christmas",
  "diy-and-crafts",
  "education",
  "event-planning",
  "finance",
  "home-decor",
  "mens-fashion",
  "quotes",
  "tattoos",
  "travel",
  "vehicles",
] as const;
/** One of the 13 {@linkcode CATEGORIES}. */
export type Category = typeof CATEGORIES[number];

const nullableString = z.string().nullable();

/** A row of `pinterest_data`, keys in the database's column order. */
export const PinRecordSchema = z.object({
  index: z.number().int(),
  unique_id: nullableString,
  title: nullableString,
  description: nullableString,
  poster_name: nullableString,
  follower_count: nullableString,
  tag_list: nullableString,
  is_image_or_video: nullableString,
  image_src: nullableString,
  downloaded: z.number().int().nullable(),
  save_location: nullableString,
  category: nullableString,
});
/** A raw pin record. */
export type PinRecord = z.infer<typeof PinRecordSchema>;

/** A row of `geolocation_data`. */
export const GeoRecordSchema = z.object({
  ind: z.number().int(),
  timestamp: nullableString,
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  country: nullableString,
});
/** A raw geo record. */
export type GeoRecord = z.infer<typeof GeoRecordSchema>;

/** A row of `user_data`. */
export const UserRecordSchema = z.object({
  ind: z.number().int(),
  first_name: nullableString,
  last_name: nullableString,
  age: z.number().int().nullable(),
  date_joined: nullableString,
});
/** A raw user record. */
export type UserRecord = z.infer<typeof UserRecordSchema>;

/** The schema of each record kind. */
export const RECORD_SCHEMAS = {
  pin: PinRecordSchema,
  geo: GeoRecordSchema,
  user: UserRecordSchema,
} as const;

/** A raw record of any kind. */
export type AnyRecord = PinRecord | GeoRecord | UserRecord;

/** The source columns of each record kind, in the database's order. */
export const RECORD_COLUMNS: Record<RecordKind, readonly string[]> = {
  pin: Object.keys(PinRecordSchema.shape),
  geo: Object.keys(GeoRecordSchema.shape),
  user: Object.keys(UserRecordSchema.shape),
};

/** The row id of a record: `index` for pin, `ind` for geo and user. */
export function recordIndex(kind: RecordKind, record: AnyRecord): number {
  return kind === "pin" ? (record as PinRecord).index : (record as GeoRecord | UserRecord).ind;
}
