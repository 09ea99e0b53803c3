/**
 * Exponential backoff with jitter: how long to wait before attempt
 * `attempt + 1`, for every retry loop in lib/ (Kinesis calls, API posts).
 *
 * @module
 */

/** Options of {@linkcode backoffMs}. */
export interface BackoffOptions {
  /**
   * The first step, in ms: attempt 0 waits up to `baseMs`, each next one
   * doubles it.
   *
   * @default {100}
   */
  baseMs?: number;
  /**
   * The longest step, in ms.
   *
   * @default {5000}
   */
  capMs?: number;
  /**
   * `"full"`: a uniform wait in [0, step] (spreads retries the most);
   * `"equal"`: in [step / 2, step] (never retries at once).
   *
   * @default {"equal"}
   */
  jitter?: "full" | "equal";
  /**
   * A uniform random number in [0, 1), for tests.
   *
   * @default {Math.random}
   */
  random?: () => number;
}

/**
 * The wait before retrying after failed attempt `attempt` (0-based):
 * `min(capMs, baseMs * 2 ** attempt)`, jittered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffMs } from "./backoff.ts";
 * assert.equal(backoffMs(0, { random: () => 0 }), 50);
 * assert.equal(backoffMs(3, { random: () => 0, jitter: "full" }), 0);
 * assert.equal(backoffMs(30, { random: () => 0.999999 }) <= 5000, true);
 * ```
 */
export function backoffMs(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 100, capMs = 5_000, jitter = "equal", random = Math.random } = options;
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`Invalid attempt ${attempt}: expected an integer from 0`);
  }
  const step = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return jitter === "full" ? random() * step : step / 2 + random() * step / 2;
}
