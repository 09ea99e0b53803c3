/**
 * Errors of the streaming layer that callers are meant to catch.
 *
 * @module
 */

/** The checkpoint was written for another stream, or the stream was deleted and recreated since. */
export class CheckpointMismatchError extends Error {
  /** The checkpoint directory. */
  readonly checkpointLocation: string;
  /** Creates the error. */
  constructor(checkpointLocation: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CheckpointMismatchError";
    this.checkpointLocation = checkpointLocation;
  }
}

/** A commit removed data and the source does not skip change commits. */
export class DeltaSourceChangeError extends Error {
  /** The version of the commit. */
  readonly version: number;
  /** Creates the error. */
  constructor(message: string, version: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeltaSourceChangeError";
    this.version = version;
  }
}
