/**
 * The timestamp rule shared by geo `timestamp` and user `date_joined`.
 *
 * @module
 */
import pl from "nodejs-polars";
import { TIMESTAMP_TYPE } from "./schemas.ts";

/**
 * The forms accepted: `YYYY-MM-DD HH:MM:SS` (what the source database
 * prints) or with `T` as the separator (ISO 8601, what most emulators send),
 * optionally followed by a fraction of a second (`.` or `,`, any number of
 * digits, kept to the microsecond) and by `Z` or an offset (`+02:00`,
 * `+0200`, `+02`). Without an offset the time is read as UTC.
 */
const TIMESTAMP_RE =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]+)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$";
const FRACTION_RE = "^.{19}[.,]([0-9]+)";
const OFFSET_SIGN_RE = "([+-])[0-9]{2}(:?[0-9]{2})?$";
const OFFSET_HOURS_RE = "[+-]([0-9]{2})(:?[0-9]{2})?$";
const OFFSET_MINUTES_RE = "[+-][0-9]{2}:?([0-9]{2})$";

const MICROS_PER_MINUTE = 60_000_000;

/**
 * `text` (a trimmed, non-blank string column) read as a UTC timestamp with
 * microsecond precision; null where it does not have an accepted form or
 * names no real date and time (`2022-13-07 00:00:00`).
 */
export function parseUtcTimestamp(text: pl.Expr): pl.Expr {
  const wellFormed = text.str.contains(TIMESTAMP_RE);
  // The first 19 characters hold date and time; the separator becomes a space.
  const base = pl.concatString([text.str.slice(0, 10), text.str.slice(11, 8)], " ")
    .str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S")
    .cast(pl.Datetime("us"))
    .cast(pl.Int64);
  const micros = text.str.extract(FRACTION_RE, 1).str.padEnd(6, "0").str.slice(0, 6)
    .cast(pl.Int64).fillNull(0);
  const sign = pl.when(text.str.extract(OFFSET_SIGN_RE, 1).eq(pl.lit("-")))
    .then(pl.lit(-1))
    .otherwise(pl.lit(1));
  const offsetMinutes = text.str.extract(OFFSET_HOURS_RE, 1).cast(pl.Int64).mul(60)
    .add(text.str.extract(OFFSET_MINUTES_RE, 1).cast(pl.Int64).fillNull(0))
    .fillNull(0)
    .mul(sign);
  const utc = base.add(micros).sub(offsetMinutes.mul(MICROS_PER_MINUTE));
  return pl.when(wellFormed)
    .then(utc)
    .otherwise(pl.lit(null).cast(pl.Int64))
    .cast(pl.Datetime("us"))
    .cast(TIMESTAMP_TYPE);
}
