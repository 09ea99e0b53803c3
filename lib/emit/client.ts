/**
 * The API's HTTP client: one record (`PUT /streams/{stream}/record`, the
 * course's `send_to_kinesis`) or a batch (`PUT /streams/{stream}/records`,
 * PutRecords), and the error a failed call throws. No retries here: the
 * emitter and the benchmarks decide when to try again.
 *
 * @module
 */

import { EmitRequestError } from "./errors.ts";

/** The largest batch the API's `/records` route (PutRecords) accepts. */
export const MAX_BATCH = 500;

/** Options of {@linkcode sendToKinesis}. */
export interface SendOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080` or an API Gateway invoke URL. */
  apiUrl: string;
  /** Partition key (default a fresh `crypto.randomUUID()`). */
  partitionKey?: string;
  /** Sent as the `x-api-key` header (default none). */
  apiKey?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Gives up on a request after this many ms (default 30000). */
  timeoutMs?: number;
}

/** What the API answers for a record it put: the Kinesis sequence number and shard. */
export interface PutResult {
  /** The record's sequence number. */
  SequenceNumber: string;
  /** The shard that holds it. */
  ShardId: string;
}

/**
 * Sends one record to a stream through the API with one PUT, like the
 * course's `send_to_kinesis`; no retry. Throws {@linkcode EmitRequestError}
 * when the API refuses it or cannot be reached.
 *
 * @example
 * ```ts ignore
 * const out = await sendToKinesis({ index: 1 }, "streaming-12c0d092d679-pin", {
 *   apiUrl: "http://127.0.0.1:8080",
 * });
 * ```
 */
export async function sendToKinesis(
  record: unknown,
  streamName: string,
  options: SendOptions,
): Promise<PutResult> {
  const { apiUrl, partitionKey = crypto.randomUUID(), apiKey, signal, timeoutMs } = options;
  const body = JSON.stringify({ StreamName: streamName, Data: record, PartitionKey: partitionKey });
  return await apiRequest<PutResult>(
    "PUT",
    `${trimUrl(apiUrl)}/streams/${encodeURIComponent(streamName)}/record`,
    body,
    { apiKey, signal, timeoutMs },
  );
}

/** One entry of a PutRecords answer: a sequence number and shard, or an error code. */
export type PutRecordsEntry = Partial<PutResult> & { ErrorCode?: string; ErrorMessage?: string };

/** What the API answers for a PutRecords: one entry per record, in order. */
export interface PutRecordsResult {
  /** Records Kinesis refused (their entries carry an `ErrorCode`). */
  FailedRecordCount?: number;
  /** One entry per record sent, in the same order. */
  Records: PutRecordsEntry[];
}

/** One record of {@linkcode putRecords}. */
export interface PutRecordsEntryInput {
  /** Any JSON value; an object is put as its JSON text. */
  data: unknown;
  /** Partition key (default a fresh `crypto.randomUUID()`). */
  partitionKey?: string;
}

/** Options of {@linkcode putRecords}. */
export type PutRecordsOptions = Omit<SendOptions, "partitionKey">;

/**
 * Sends up to 500 records to a stream with one `PUT /streams/{stream}/records`
 * (Kinesis PutRecords through the API); no retry. Resolves with one entry
 * per record: a record Kinesis refused has an `ErrorCode` and may be sent
 * again. Throws {@linkcode EmitRequestError} when the API refuses the request
 * or cannot be reached, or answers a number of entries other than the
 * number of records (then which were put cannot be told).
 *
 * @example
 * ```ts ignore
 * const out = await putRecords([{ data: { index: 1 } }], "streaming-12c0d092d679-pin", {
 *   apiUrl: "http://127.0.0.1:8080",
 * });
 * out.Records[0]?.ErrorCode; // undefined when it was put
 * ```
 */
export async function putRecords(
  records: readonly PutRecordsEntryInput[],
  streamName: string,
  options: PutRecordsOptions,
): Promise<PutRecordsResult> {
  const { apiUrl, apiKey, signal, timeoutMs } = options;
  if (records.length < 1 || records.length > MAX_BATCH) {
    throw new RangeError(
      `Cannot put ${records.length} records to "${streamName}": PutRecords takes 1 to ${MAX_BATCH}`,
    );
  }
  const url = `${trimUrl(apiUrl)}/streams/${encodeURIComponent(streamName)}/records`;
  const body = JSON.stringify({
    StreamName: streamName,
    Records: records.map((r) => ({
      Data: r.data,
      PartitionKey: r.partitionKey ?? crypto.randomUUID(),
    })),
  });
  const out = await apiRequest<Partial<PutRecordsResult>>("PUT", url, body, {
    apiKey,
    signal,
    timeoutMs,
  });
  const entries = out.Records ?? [];
  if (entries.length !== records.length) {
    throw new EmitRequestError(
      `PUT ${url} answered ${entries.length} results for ${records.length} records`,
      200,
      false,
    );
  }
  return { FailedRecordCount: out.FailedRecordCount, Records: entries };
}

/** Options of {@linkcode apiRequest}. */
export interface RequestOptions {
  /** Sent as the `x-api-key` header (default none). */
  apiKey?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Gives up after this many ms (default 30000). */
  timeoutMs?: number;
}

/**
 * One JSON request to the API; resolves with the parsed answer. Throws
 * {@linkcode EmitRequestError} on a network error, a timeout, a non-2xx
 * answer (with the API's message) or an answer that is not JSON.
 */
export async function apiRequest<T>(
  method: string,
  url: string,
  body: string | undefined,
  options: RequestOptions,
): Promise<T> {
  const { apiKey, signal, timeoutMs = 30_000 } = options;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey !== undefined) headers["x-api-key"] = apiKey;
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) {
      throw new EmitRequestError(`${method} ${url} was stopped`, 0, false, { cause: error });
    }
    const reason = timeout.aborted
      ? `no answer within ${timeoutMs} ms`
      : (error as Error)?.message ?? String(error);
    throw new EmitRequestError(`${method} ${url} failed: ${reason}`, 0, true, { cause: error });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    throw new EmitRequestError(
      `${method} ${url} failed while reading the answer: ${(error as Error).message}`,
      0,
      true,
      { cause: error },
    );
  }
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed?.message === "string") message = parsed.message;
    } catch { /* not JSON: keep the text */ }
    throw new EmitRequestError(
      `${method} ${url} answered ${res.status}${message ? `: ${message}` : ""}`,
      res.status,
      res.status === 429 || res.status >= 500,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new EmitRequestError(
      `${method} ${url} answered ${res.status} with a body that is not JSON`,
      res.status,
      false,
      { cause: error },
    );
  }
}

/** The URL without its trailing slashes. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
