/**
 * Errors of the emitter that callers are meant to catch.
 *
 * @module
 */

/** A failed API call: the HTTP status (0 for a network error) and the API's message. */
export class EmitRequestError extends Error {
  /** HTTP status, or 0 when no answer came back. */
  readonly status: number;
  /** Whether trying again may succeed (429, 5xx, network error, timeout). */
  readonly retryable: boolean;
  /** Creates a request error. */
  constructor(message: string, status: number, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = "EmitRequestError";
    this.status = status;
    this.retryable = retryable;
  }
}

/** Raised at start when the API does not answer or lacks a stream; nothing was sent. */
export class ApiUnavailableError extends Error {
  /** The API URL that was checked. */
  readonly apiUrl: string;
  /** Creates the error. */
  constructor(apiUrl: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ApiUnavailableError";
    this.apiUrl = apiUrl;
  }
}
