/**
 * Errors of the Kinesis layer that callers are meant to catch.
 *
 * @module
 */

/** A stream does not exist. */
export class StreamNotFoundError extends Error {
  /** The stream's name. */
  readonly streamName: string;
  /** Creates the error for `streamName`. */
  constructor(streamName: string, options?: ErrorOptions) {
    super(`Stream "${streamName}" does not exist`, options);
    this.name = "StreamNotFoundError";
    this.streamName = streamName;
  }
}

/** The name of an AWS SDK error (`ResourceNotFoundException`, ...), or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  if (error && typeof error === "object" && "name" in error) {
    return String((error as { name: unknown }).name);
  }
  return undefined;
}

/** The HTTP status an AWS SDK error came with, or undefined. */
export function awsErrorStatus(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}

const THROTTLING = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "ThrottlingException",
  "KMSThrottlingException",
]);

/** Whether an AWS SDK error means the caller should slow down and retry. */
export function isThrottling(error: unknown): boolean {
  const name = awsErrorName(error);
  return name !== undefined && THROTTLING.has(name);
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Whether an error means the endpoint could not be reached at all. */
export function isUnreachable(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: string; name?: string; cause?: unknown; message?: string };
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.name === "TimeoutError" || e.name === "RequestTimeout") return true;
  if (e.name === "AggregateError" || e.name === "ConnectionRefused") return true;
  if (/ECONNREFUSED|ECONNRESET|socket hang up|connect ETIMEDOUT/.test(e.message ?? "")) {
    return true;
  }
  return e.cause !== undefined && e.cause !== error ? isUnreachable(e.cause) : false;
}
