/**
 * The emitter: posts the source tables' rows to the pin, geo and user
 * streams through the HTTP API, with retries, pacing and progress.
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
export {
  DEFAULT_SOURCE_DIR,
  emit,
  type EmitFailure,
  type EmitOptions,
  EmitStats,
  Emitter,
  formatStreamLine,
  MAX_BATCH,
  mulberry32,
  type PutResult,
  type SendOptions,
  sendToKinesis,
  type StreamStats,
} from "./emitter.ts";
