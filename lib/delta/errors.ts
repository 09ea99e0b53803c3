/**
 * Errors that callers of the Delta layer are meant to catch.
 *
 * @module
 */

/**
 * A commit could not be made because other writers kept winning the race for
 * the next version, or because what they committed conflicts with ours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CommitConflictError } from "./errors.ts";
 * const error = new CommitConflictError("Cannot commit to table: gave up after 3 attempts");
 * assert.equal(error.name, "CommitConflictError");
 * ```
 */
export class CommitConflictError extends Error {
  /** The version this writer last tried to create. */
  readonly version: number | undefined;

  /** Makes the error; `version` is the version last attempted. */
  constructor(message: string, options?: ErrorOptions & { version?: number }) {
    super(message, options);
    this.name = "CommitConflictError";
    this.version = options?.version;
  }
}

/**
 * A path holds no Delta table (no `_delta_log` with a commit in it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TableNotFoundError } from "./errors.ts";
 * assert.equal(new TableNotFoundError("x").name, "TableNotFoundError");
 * ```
 */
export class TableNotFoundError extends Error {
  /** Makes the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TableNotFoundError";
  }
}

/**
 * A table could not be created because one already exists at the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TableExistsError } from "./errors.ts";
 * assert.equal(new TableExistsError("x").name, "TableExistsError");
 * ```
 */
export class TableExistsError extends Error {
  /** Makes the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TableExistsError";
  }
}

/**
 * A table needs a protocol version, table feature or data type that
 * pinstream does not implement (for example `timestamp_ntz`, reader 3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnsupportedTableError } from "./errors.ts";
 * assert.equal(new UnsupportedTableError("x").name, "UnsupportedTableError");
 * ```
 */
export class UnsupportedTableError extends Error {
  /** Makes the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnsupportedTableError";
  }
}
