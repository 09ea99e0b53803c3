/**
 * The API proxy: the course's API Gateway Kinesis-proxy routes.
 *
 * @module
 */
export { ApiError, type ApiIssue } from "./errors.ts";
export {
  type ApiOptions,
  type ApiServer,
  createApp,
  MAX_RECORD_BYTES,
  MAX_RECORDS_PER_REQUEST,
  MAX_REQUEST_BODY_BYTES,
  MAX_REQUEST_RECORD_BYTES,
  serveApi,
  type ServeApiOptions,
  toApiError,
} from "./app.ts";
