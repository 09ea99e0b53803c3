/**
 * Per-batch progress of a streaming query, with the fields of Spark's
 * `StreamingQueryProgress`, plus Kinesis lag per shard, quarantined rows and
 * nulled values. Written as JSON lines to the checkpoint's `progress/`.
 *
 * @module
 */
import type { SourceOffset } from "./offsets_log.ts";
import { type DisplayBundle, displayBundle, escapeHtml, htmlTable } from "../jupyter.ts";

/** Phase durations of a batch, in ms (Spark's `durationMs`). */
export interface ProgressDurations {
  /** Listing shards and fetching new records, up to the batch's end offset. */
  latestOffset: number;
  /** Building the batch frame from the fetched records. */
  getBatch: number;
  /** Parsing, cleaning and writing to the sink. */
  addBatch: number;
  /** Writing `offsets/<batchId>`. */
  walCommit: number;
  /** Writing `commits/<batchId>`. */
  commitOffsets: number;
  /** The whole trigger. */
  triggerExecution: number;
}

/** The source part of a progress report; `O` is the source's offset type (Kinesis by default). */
export interface SourceProgress<O = SourceOffset> {
  description: string;
  startOffset: O | null;
  endOffset: O;
  latestOffset: O;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  /** Per shard, how far behind the stream's tip the last read was (ms). */
  millisBehindLatest: Record<string, number>;
}

/** The sink part of a progress report. */
export interface SinkProgress {
  description: string;
  numOutputRows: number;
  /** The table version after the batch. */
  version: number;
  /** True when the table already had the batch (a re-run after a crash). */
  skipped: boolean;
}

/** One batch's progress, like Spark's `StreamingQueryProgress`; `O` is the sources' offset type. */
export interface StreamingQueryProgress<O = SourceOffset> {
  id: string;
  runId: string;
  name: string | null;
  /** When the trigger started (ISO 8601). */
  timestamp: string;
  batchId: number;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  durationMs: ProgressDurations;
  sources: SourceProgress<O>[];
  sink: SinkProgress;
  /** Rows that went to the quarantine table. */
  numQuarantinedRows: number;
  /** Per column, placeholder values nulled by cleaning. */
  nulledValues: Record<string, number>;
  /** Per column, unconvertible values nulled by cleaning. */
  invalidValues: Record<string, number>;
}

/** Rows per second over `ms` milliseconds, 0 when no time passed (Spark's `*RowsPerSecond`). */
export function rowsPerSecond(rows: number, ms: number): number {
  return ms > 0 ? rows * 1000 / ms : 0;
}

/** What {@linkcode idleProgress} needs: the query's identity, its sources at rest, its sink. */
export interface IdleProgressInput<O> {
  id: string;
  runId: string;
  name: string | null;
  batchId: number;
  /** How long the trigger took, in ms: reported as `latestOffset` and `triggerExecution`. */
  triggerMs: number;
  /** Each source, with the offset it rests at and its lag per shard (none by default). */
  sources: { description: string; offset: O; millisBehindLatest?: Record<string, number> }[];
  /** The sink and the table version it is at. */
  sink: { description: string; version: number };
}

/**
 * The progress of a trigger that found nothing new: no rows, every source's
 * start, end and latest offset the one it rests at, the trigger's time spent
 * looking for offsets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idleProgress } from "./progress.ts";
 * const p = idleProgress({
 *   id: "q",
 *   runId: "r",
 *   name: null,
 *   batchId: 3,
 *   triggerMs: 7,
 *   sources: [{ description: "s", offset: 5 }],
 *   sink: { description: "t", version: 2 },
 * });
 * assert.equal(p.numInputRows, 0);
 * assert.equal(p.durationMs.triggerExecution, 7);
 * assert.equal(p.sources[0]?.endOffset, 5);
 * ```
 */
export function idleProgress<O>(input: IdleProgressInput<O>): StreamingQueryProgress<O> {
  const { triggerMs } = input;
  return {
    id: input.id,
    runId: input.runId,
    name: input.name,
    timestamp: new Date(Date.now() - triggerMs).toISOString(),
    batchId: input.batchId,
    numInputRows: 0,
    inputRowsPerSecond: 0,
    processedRowsPerSecond: 0,
    durationMs: {
      latestOffset: triggerMs,
      getBatch: 0,
      addBatch: 0,
      walCommit: 0,
      commitOffsets: 0,
      triggerExecution: triggerMs,
    },
    sources: input.sources.map((s) => ({
      description: s.description,
      startOffset: s.offset,
      endOffset: s.offset,
      latestOffset: s.offset,
      numInputRows: 0,
      inputRowsPerSecond: 0,
      processedRowsPerSecond: 0,
      millisBehindLatest: s.millisBehindLatest ?? {},
    })),
    sink: {
      description: input.sink.description,
      numOutputRows: 0,
      version: input.sink.version,
      skipped: false,
    },
    numQuarantinedRows: 0,
    nulledValues: {},
    invalidValues: {},
  };
}

/** The largest lag over the shards of a progress report, in ms (0 when none). */
export function maxMillisBehind(progress: StreamingQueryProgress<unknown>): number {
  const lags = progress.sources.flatMap((s) => Object.values(s.millisBehindLatest));
  return lags.length ? Math.max(...lags) : 0;
}

/** One line for a terminal: name, batch, rows, rate, lag, table version. */
export function formatProgress(progress: StreamingQueryProgress<unknown>): string {
  const rate = Math.round(progress.processedRowsPerSecond);
  return `${
    progress.name ?? progress.id
  } batch ${progress.batchId}: ${progress.numInputRows} rows` +
    ` (${progress.numQuarantinedRows} quarantined), ${rate} rows/s, ${progress.durationMs.triggerExecution} ms,` +
    ` behind ${maxMillisBehind(progress)} ms, table version ${progress.sink.version}`;
}

/** A Jupyter MIME bundle of recent progress reports: an HTML table, newest last. */
export function progressBundle(
  title: string,
  progress: readonly StreamingQueryProgress<unknown>[],
): DisplayBundle {
  const rows = progress.map((p) => [
    p.batchId,
    p.timestamp,
    p.numInputRows,
    p.numQuarantinedRows,
    Math.round(p.processedRowsPerSecond),
    p.durationMs.triggerExecution,
    maxMillisBehind(p),
    p.sink.version,
  ]);
  const headers = [
    "batch",
    "timestamp",
    "input rows",
    "quarantined",
    "rows/s",
    "duration ms",
    "behind ms",
    "table version",
  ];
  return displayBundle(
    `<p><b>${escapeHtml(title)}</b></p>${htmlTable(headers, rows)}`,
    progress.length ? progress.map(formatProgress).join("\n") : `${title}: no batch yet`,
  );
}
