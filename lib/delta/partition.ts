/**
 * Partition values and paths: how a value is serialized in `partitionValues`
 * («Partition Value Serialization»), how a hive-style directory name is
 * escaped (as Spark does), and how an `add.path` is percent-encoded.
 *
 * @module
 */
import type { DeltaDataType } from "./schema.ts";

/** The directory name Spark uses for a null partition value. */
export const HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

const MICROS_PER_DAY = 86_400_000_000;

function needsEscape(code: number): boolean {
  return code < 0x20 || code === 0x7f || `"#%'*/:=?\\{[]^`.includes(String.fromCharCode(code));
}

/**
 * Escapes a partition value for a directory name as Spark's
 * `escapePathName` does (`:` becomes `%3A`; spaces stay).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapePartitionValue } from "./partition.ts";
 * assert.equal(escapePartitionValue("08:09"), "08%3A09");
 * ```
 */
export function escapePartitionValue(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    out += code < 0x80 && needsEscape(code)
      ? `%${code.toString(16).toUpperCase().padStart(2, "0")}`
      : ch;
  }
  return out;
}

/**
 * The hive-style directory of a file's partition, e.g. `category=art/`,
 * empty for an unpartitioned table.
 */
export function partitionDirectory(
  columns: string[],
  values: Record<string, string | null>,
): string {
  return columns.map((column) => {
    const value = values[column];
    const text = value === null || value === undefined || value === ""
      ? HIVE_DEFAULT_PARTITION
      : escapePartitionValue(value);
    return `${escapePartitionValue(column)}=${text}/`;
  }).join("");
}

/**
 * Percent-encodes a relative file path for `add.path` (RFC 2396): every
 * byte outside the unreserved set and `/`, `=` is encoded, so `%` becomes
 * `%25` and a space `%20`. Readers decode it once.
 */
export function encodeAddPath(path: string): string {
  return path.split("/").map((segment) =>
    encodeURIComponent(segment).replace(/%3D/g, "=").replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    )
  ).join("/");
}

/** Decodes an `add.path` once into a path relative to the table root. */
export function decodeAddPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function pad(value: number, width: number): string {
  return String(Math.abs(value)).padStart(width, "0");
}

/** Formats epoch microseconds as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function formatTimestampMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const sub = micros - ms * 1000;
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${pad(sub, 3)}Z`;
}

/** Formats days since the epoch as `YYYY-MM-DD`. */
export function formatDateDays(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

const TIMESTAMP_RE =
  /^(-?\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a serialized timestamp (`YYYY-MM-DD HH:MM:SS[.ffffff]`, taken as
 * UTC, or ISO-8601 with `Z` or an offset) into epoch microseconds.
 */
export function parseTimestampMicros(text: string): number {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) throw new RangeError(`Cannot parse timestamp "${text}": unknown format`);
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  const fraction = Number((m[7] ?? "").padEnd(6, "0").slice(0, 6));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  return (ms - offsetMinutes * 60_000) * 1000 + fraction;
}

/**
 * Parses a serialized partition value into the JS value used to build a
 * Polars literal: numbers, booleans, strings, days (date) and epoch
 * microseconds (timestamp). Null and empty string are null.
 */
export function parsePartitionValue(
  text: string | null | undefined,
  type: DeltaDataType,
): string | number | boolean | bigint | null {
  if (text === null || text === undefined || text === "") return null;
  switch (type) {
    case "string":
    case "binary":
      return text;
    case "boolean":
      return text.toLowerCase() === "true";
    case "byte":
    case "short":
    case "integer":
    case "float":
    case "double":
      return Number(text);
    case "long":
      return BigInt(text);
    case "date":
      return Math.round(parseTimestampMicros(text) / MICROS_PER_DAY);
    case "timestamp":
      return parseTimestampMicros(text);
  }
  return text;
}
