import assert from "node:assert/strict";
import { backoffMs } from "../../lib/_util/backoff.ts";

Deno.test("backoffMs() doubles the step from baseMs up to capMs", () => {
  const top = { random: () => 0.999999, jitter: "full" as const };
  assert.equal(Math.round(backoffMs(0, top)), 100);
  assert.equal(Math.round(backoffMs(1, top)), 200);
  assert.equal(Math.round(backoffMs(5, top)), 3_200);
  assert.equal(Math.round(backoffMs(6, top)), 5_000);
  assert.equal(Math.round(backoffMs(1_000, top)), 5_000);
});

Deno.test("backoffMs() with equal jitter waits at least half the step", () => {
  assert.equal(backoffMs(2, { random: () => 0 }), 200);
  assert.equal(backoffMs(2, { random: () => 0, jitter: "full" }), 0);
});

Deno.test("backoffMs() refuses a negative or fractional attempt", () => {
  assert.throws(() => backoffMs(-1), RangeError);
  assert.throws(() => backoffMs(1.5), RangeError);
});
