/**
 * Waiting that a stop can cut short.
 *
 * @module
 */

/**
 * Waits `ms`, or less when `signal` aborts; resolves true after the full
 * wait, false when `signal` aborted (before or during it). Never rejects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "./sleep.ts";
 * assert.equal(await sleep(1), true);
 * assert.equal(await sleep(60_000, AbortSignal.abort()), false);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (!(ms > 0)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
