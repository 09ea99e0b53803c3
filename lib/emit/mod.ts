/**
 * The emitter: posts the source tables' rows to the pin, geo and user
 * streams through the HTTP API, with retries, pacing and progress; the
 * API's HTTP client (`client.ts`) and the emitter's counters (`stats.ts`).
 *
 * @example
 * ```ts ignore
 * import { emit } from "./mod.ts";
 * const stats = await emit({ apiUrl: "http://127.0.0.1:8080", count: 100, rate: 50 });
 * ```
 *
 * @module
 */
export { ApiUnavailableError, EmitRequestError } from "./errors.ts";
export { DEFAULT_SOURCE_DIR, emit, type EmitOptions, Emitter, mulberry32 } from "./emitter.ts";
export {
  MAX_BATCH,
  putRecords,
  type PutRecordsEntry,
  type PutRecordsEntryInput,
  type PutRecordsOptions,
  type PutRecordsResult,
  type PutResult,
  type SendOptions,
  sendToKinesis,
} from "./client.ts";
export { type EmitFailure, EmitStats, formatStreamLine, type StreamStats } from "./stats.ts";
