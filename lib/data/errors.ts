/**
 * Errors of the source data that callers are meant to catch.
 *
 * @module
 */

/** A source file that cannot be read: which file, which line, and why. */
export class SourceDataError extends Error {
  /** The file that failed. */
  readonly file: string;
  /** The 1-based line that failed, or 0 when the whole file failed. */
  readonly line: number;

  /** Creates the error; the message names `file` and `line`. */
  constructor(file: string, line: number, reason: string, options?: ErrorOptions) {
    super(`Cannot read ${line > 0 ? `${file}:${line}` : file}: ${reason}`, options);
    this.name = "SourceDataError";
    this.file = file;
    this.line = line;
  }
}
