import assert from "node:assert/strict";
import { durationMs } from "../../lib/_util/duration.ts";
import { durationFlag, UsageError } from "../../cli/_args.ts";

Deno.test("durationMs() reads a number as milliseconds", () => {
  assert.equal(durationMs("trigger", 10), 10);
  assert.equal(durationMs("trigger", 0), 0);
});

Deno.test("durationMs() reads a string with a unit, short or spelled out", () => {
  assert.equal(durationMs("trigger", "250ms"), 250);
  assert.equal(durationMs("trigger", "10s"), 10_000);
  assert.equal(durationMs("trigger", "1 second"), 1_000);
  assert.equal(durationMs("trigger", "5 minutes"), 300_000);
  assert.equal(durationMs("trigger", "5m"), 300_000);
  assert.equal(durationMs("trigger", "1h"), 3_600_000);
  assert.equal(durationMs("trigger", " 1.5 S "), 1_500);
});

Deno.test("durationMs() refuses a string without a unit instead of guessing one", () => {
  assert.throws(
    () => durationMs("trigger processingTime", "10"),
    new RangeError('Invalid trigger processingTime "10": add a unit, e.g. 10s or 10ms'),
  );
});

Deno.test("durationMs() refuses a negative number and a string that is not a duration", () => {
  assert.throws(() => durationMs("minFetchPeriod", -1), RangeError);
  assert.throws(() => durationMs("minFetchPeriod", Number.NaN), RangeError);
  assert.throws(
    () => durationMs("minFetchPeriod", "soon"),
    new RangeError(
      'Invalid minFetchPeriod "soon": expected a duration such as 250ms, 30s, 5m or 1h',
    ),
  );
  assert.throws(() => durationMs("minFetchPeriod", "10 fortnights"), RangeError);
});

Deno.test("durationFlag() gives a CLI flag the library's meaning", () => {
  assert.equal(durationFlag("trigger", undefined), undefined);
  assert.equal(durationFlag("trigger", "10s"), 10_000);
  assert.equal(durationFlag("trigger", "250ms"), 250);
});

Deno.test("durationFlag() refuses a bare number with a usage error naming the flag", () => {
  assert.throws(
    () => durationFlag("trigger", "10"),
    new UsageError('Invalid --trigger "10": add a unit, e.g. 10s or 10ms'),
  );
  assert.throws(() => durationFlag("trigger", true), UsageError);
});
