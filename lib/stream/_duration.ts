/**
 * Durations as Spark options write them: `"1 second"`, `"500 milliseconds"`,
 * `"400ms"`, `"10s"`, `"2 minutes"`, or a number of ms.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/** Milliseconds of a duration option, naming the option when it is invalid. */
export function durationMs(option: string, value: string | number): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? UNITS[(m[2] || "ms").toLowerCase()] : undefined;
    if (m && unit !== undefined) return Number(m[1]) * unit;
  }
  throw new RangeError(
    `Invalid ${option} ${
      JSON.stringify(value)
    }: expected a duration such as "1 second", "400ms" or a number of ms`,
  );
}
