/**
 * Errors of the API that callers (and the central error handler) are meant
 * to catch.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error answer: `{message, issues?}` with an HTTP status. */
export class ApiError extends HTTPException {
  /** Details of a schema failure, one per problem. */
  readonly issues: ApiIssue[] | undefined;
  /** Creates an error answer. */
  constructor(status: ContentfulStatusCode, message: string, issues?: ApiIssue[], cause?: unknown) {
    super(status, { message, cause });
    this.issues = issues;
  }
}

/** One problem with a request's body or path. */
export interface ApiIssue {
  /**
   * Where, e.g. `Records.3.PartitionKey`, `` for the whole body, or `stream`
   * for the stream name in the path.
   */
  path: string;
  /** What is wrong. */
  message: string;
}
