/**
 * Retrying a Kinesis call: throttling, network and `InternalFailure` errors
 * are retried with {@linkcode backoffMs}; a missing stream becomes a
 * {@linkcode StreamNotFoundError}; anything else is thrown at once.
 *
 * @module
 */
import { backoffMs, type BackoffOptions } from "../_util/backoff.ts";
import { sleep } from "../_util/sleep.ts";
import { awsErrorName, isThrottling, isUnreachable, StreamNotFoundError } from "./errors.ts";

/** Options of {@linkcode retryKinesis}. */
export interface RetryKinesisOptions extends BackoffOptions {
  /**
   * The stream the call is about, named by a {@linkcode StreamNotFoundError}.
   *
   * @default {undefined}
   */
  streamName?: string;
  /**
   * Stops retrying: {@linkcode retryKinesis} then resolves undefined.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * The most attempts, the first included.
   *
   * @default {Infinity}
   */
  maxAttempts?: number;
}

/** Whether a Kinesis error may go away by trying again later. */
export function isRetryableKinesisError(error: unknown): boolean {
  return isThrottling(error) || isUnreachable(error) || awsErrorName(error) === "InternalFailure";
}

/**
 * Runs `call` until it succeeds, retrying the errors
 * {@linkcode isRetryableKinesisError} accepts with backoff; resolves
 * undefined when `signal` aborts first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryKinesis } from "./retry.ts";
 * let calls = 0;
 * const result = await retryKinesis(() => {
 *   if (++calls < 3) throw Object.assign(new Error("slow down"), { name: "ThrottlingException" });
 *   return Promise.resolve("ok");
 * }, { baseMs: 1 });
 * assert.equal(result, "ok");
 * assert.equal(calls, 3);
 * ```
 */
export async function retryKinesis<T>(
  call: () => Promise<T>,
  options: RetryKinesisOptions = {},
): Promise<T | undefined> {
  const { streamName, signal, maxAttempts = Infinity, ...backoff } = options;
  for (let attempt = 0;; attempt++) {
    if (signal?.aborted) return undefined;
    try {
      return await call();
    } catch (error) {
      if (streamName !== undefined && awsErrorName(error) === "ResourceNotFoundException") {
        throw new StreamNotFoundError(streamName, { cause: error });
      }
      if (!isRetryableKinesisError(error) || attempt + 1 >= maxAttempts) throw error;
      if (!(await sleep(backoffMs(attempt, backoff), signal))) return undefined;
    }
  }
}
