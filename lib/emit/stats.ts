/**
 * The emitter's statistics: counters per stream (sent, failed, retried,
 * rows/s), the first failures, and their text and notebook faces.
 *
 * @module
 */
import { type DisplayBundle, displayBundle, escapeHtml, JUPYTER_DISPLAY } from "../jupyter.ts";
import { RECORD_KINDS, type RecordKind } from "../records.ts";

/** Counters of one stream. */
export interface StreamStats {
  /** The record kind. */
  kind: RecordKind;
  /** The stream name. */
  stream: string;
  /** Records the API accepted. */
  sent: number;
  /** Records that still failed after every attempt (or when stopped). */
  failed: number;
  /** Records sent again after a failed attempt. */
  retried: number;
  /** Records accepted per second since the start. */
  rowsPerSecond: number;
}

/** A record that could not be sent. */
export interface EmitFailure {
  /** The record kind. */
  kind: RecordKind;
  /** The stream name. */
  stream: string;
  /** The source row index. */
  index: number;
  /** Attempts made. */
  attempts: number;
  /** Why the last attempt failed. */
  reason: string;
}

const MAX_KEPT_FAILURES = 100;

/** Progress of an emitter: counters per stream, with a notebook face. */
export class EmitStats {
  /** Counters per record kind. */
  readonly streams: Record<RecordKind, StreamStats>;
  /** The PRNG seed of the run (rerun with it to pick the same rows). */
  readonly seed: number;
  /** The first failures, at most 100 (the counters hold them all). */
  readonly failures: EmitFailure[] = [];
  #started = performance.now();
  #ended: number | undefined;

  /** Creates zeroed counters for the three streams. */
  constructor(names: Record<RecordKind, string>, seed: number) {
    this.seed = seed;
    this.streams = Object.fromEntries(
      RECORD_KINDS.map((kind) => [
        kind,
        { kind, stream: names[kind], sent: 0, failed: 0, retried: 0, rowsPerSecond: 0 },
      ]),
    ) as Record<RecordKind, StreamStats>;
  }

  /** Milliseconds since the start (until the end once finished). */
  get elapsedMs(): number {
    return (this.#ended ?? performance.now()) - this.#started;
  }

  /** Records sent in all streams. */
  get sent(): number {
    return RECORD_KINDS.reduce((n, k) => n + this.streams[k].sent, 0);
  }

  /** Records that failed in all streams. */
  get failed(): number {
    return RECORD_KINDS.reduce((n, k) => n + this.streams[k].failed, 0);
  }

  /** Records re-sent in all streams. */
  get retried(): number {
    return RECORD_KINDS.reduce((n, k) => n + this.streams[k].retried, 0);
  }

  /** @internal Restarts the clock. */
  start(): void {
    this.#started = performance.now();
    this.#ended = undefined;
  }

  /** @internal Stops the clock. */
  end(): void {
    this.#ended ??= performance.now();
    this.#refresh();
  }

  /** @internal Counts accepted records. */
  addSent(kind: RecordKind, n: number): void {
    this.streams[kind].sent += n;
    this.#refresh();
  }

  /** @internal Counts re-sent records. */
  addRetried(kind: RecordKind, n: number): void {
    this.streams[kind].retried += n;
  }

  /** @internal Counts and keeps a failure. */
  addFailure(failure: EmitFailure): void {
    this.streams[failure.kind].failed += 1;
    if (this.failures.length < MAX_KEPT_FAILURES) this.failures.push(failure);
  }

  #refresh(): void {
    const seconds = this.elapsedMs / 1000;
    for (const kind of RECORD_KINDS) {
      const s = this.streams[kind];
      s.rowsPerSecond = seconds > 0 ? s.sent / seconds : 0;
    }
  }

  /** A copy of the per-stream counters, rates brought up to date. */
  snapshot(): StreamStats[] {
    this.#refresh();
    return RECORD_KINDS.map((k) => ({ ...this.streams[k] }));
  }

  /** One line per stream: `pin  streaming-...-pin  sent 50  failed 0  retried 0  48.1 rows/s`. */
  toString(): string {
    return this.snapshot().map(formatStreamLine).join("\n");
  }

  /** The notebook face: an HTML table of the per-stream counters. */
  [JUPYTER_DISPLAY](): DisplayBundle {
    const rows = this.snapshot().map((s) =>
      `<tr><td>${s.kind}</td><td><code>${escapeHtml(s.stream)}</code></td><td>${s.sent}</td>` +
      `<td>${s.failed}</td><td>${s.retried}</td><td>${s.rowsPerSecond.toFixed(1)}</td></tr>`
    ).join("");
    return displayBundle(
      `<table><thead><tr><th>kind</th><th>stream</th><th>sent</th><th>failed</th>` +
        `<th>retried</th><th>rows/s</th></tr></thead><tbody>${rows}</tbody></table>` +
        `<p>${(this.elapsedMs / 1000).toFixed(1)} s, seed ${this.seed}</p>`,
      this.toString(),
    );
  }
}

/** One progress line of a stream. */
export function formatStreamLine(s: StreamStats): string {
  return `${
    s.kind.padEnd(4)
  } ${s.stream}  sent ${s.sent}  failed ${s.failed}  retried ${s.retried}  ${
    s.rowsPerSecond.toFixed(1)
  } rows/s`;
}
