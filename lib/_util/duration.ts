/**
 * Durations, with one meaning everywhere (library options and CLI flags): a
 * number is milliseconds; a string needs a unit, as Spark options write them
 * (`"250ms"`, `"10s"`, `"1 second"`, `"5 minutes"`, `"1h"`). A string
 * without a unit, such as `"10"`, is refused rather than guessed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { durationMs } from "./duration.ts";
 * assert.equal(durationMs("trigger", "10s"), 10_000);
 * assert.equal(durationMs("trigger", "1 second"), 1_000);
 * assert.equal(durationMs("trigger", 250), 250);
 * assert.throws(() => durationMs("trigger", "10"), /add a unit/);
 * ```
 *
 * @module
 */

const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/**
 * Milliseconds of a duration: a number of ms, or a string with a unit.
 * `label` names the option or flag in the error message
 * (`Invalid --trigger "10": add a unit, e.g. 10s or 10ms`).
 *
 * @throws {RangeError} a negative or non-finite number, a string without a
 * unit, or a string that is not a duration
 */
export function durationMs(label: string, value: string | number): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new RangeError(
      `Invalid ${label} ${value}: expected a number of ms from 0, or a string with a unit such as "10s"`,
    );
  }
  const m = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value) : null;
  if (m && m[2] === "") {
    throw new RangeError(
      `Invalid ${label} ${JSON.stringify(value)}: add a unit, e.g. ${m[1]}s or ${m[1]}ms`,
    );
  }
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (m && unit !== undefined) return Number(m[1]) * unit;
  throw new RangeError(
    `Invalid ${label} ${JSON.stringify(value)}: expected a duration such as 250ms, 30s, 5m or 1h`,
  );
}
