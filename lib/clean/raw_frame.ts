/**
 * Raw frames from parsed records: what the stream reader holds after
 * `JSON.parse` becomes a typed Polars frame for the clean functions.
 *
 * @module
 */
import pl from "nodejs-polars";
import { RECORD_KINDS, type RecordKind } from "../records.ts";
import { RAW_SCHEMAS } from "./schemas.ts";

/**
 * A frame with the raw schema of `kind` ({@linkcode RAW_SCHEMAS}) holding
 * `records`, one row each, in order. A missing key or `null` gives a null;
 * keys outside the schema are ignored. Values must have the JSON type of
 * their field (validate records with `RECORD_SCHEMAS` from `lib/records.ts`
 * first): a value of another type is a TypeError rather than a silent
 * conversion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cleanUser, rawFrame } from "./mod.ts";
 *
 * const raw = rawFrame("user", [{ ind: 1, first_name: "Adam", last_name: null, age: 20 }]);
 * const { df } = await cleanUser(raw);
 * assert.deepEqual(df.getColumn("user_name").toArray(), ["Adam"]);
 * ```
 */
export function rawFrame(kind: RecordKind, records: readonly object[]): pl.DataFrame {
  const schema = RAW_SCHEMAS[kind];
  if (!schema) {
    throw new TypeError(
      `Cannot build a raw frame: unknown record kind "${kind}" (expected ${
        RECORD_KINDS.join(", ")
      })`,
    );
  }
  if (!Array.isArray(records)) {
    throw new TypeError("Cannot build a raw frame: records must be an array");
  }
  const series = Object.entries(schema).map(([name, dtype]) => {
    const numeric = !dtype.equals(pl.String);
    const integer = dtype.equals(pl.Int64);
    const values = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as Record<string, unknown> | null;
      if (record === null || typeof record !== "object") {
        throw new TypeError(`Cannot build a ${kind} frame: record ${i} is not an object`);
      }
      const value = record[name] ?? null;
      if (
        value !== null &&
        (numeric
          ? typeof value !== "number" || (integer && !Number.isSafeInteger(value))
          : typeof value !== "string")
      ) {
        const expected = numeric ? (integer ? "an integer" : "a number") : "a string";
        throw new TypeError(
          `Cannot build a ${kind} frame: record ${i} field "${name}" must be ${expected} or null`,
        );
      }
      values[i] = value;
    }
    return pl.Series(name, values, dtype);
  });
  return pl.DataFrame(series);
}
