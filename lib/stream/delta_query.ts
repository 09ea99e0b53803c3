/**
 * Streaming queries that read a Delta table (Spark's `readStream.format
 * ("delta")`): `readStream({format: "delta", path, ...}).writeStream({...})
 * .start()` gives a {@linkcode DeltaStreamingQuery}.
 *
 * Each batch: its end offset (table version and file index, see
 * {@linkcode DeltaSourceOffset}) is written to `offsets/<batchId>`, the
 * files up to it are read, transformed and written, then
 * `commits/<batchId>`. A restart re-runs an uncommitted batch with the same
 * offsets; the Delta sink's `txn{appId: query id, version: batchId}` skips
 * what the target already has, so every row is written exactly once.
 *
 * Output modes: `append` writes each batch's new rows; `complete` gives
 * the transform every row read since the query's start and overwrites the
 * target with its result. `foreachBatch` replaces the sink with a function
 * (Spark's `foreachBatch((df, batchId) => ...)`).
 *
 * @module
 */
import type pl from "nodejs-polars";
import { Catalog } from "../catalog.ts";
import { resolveLocation } from "../delta/storage/mod.ts";
import { MicroBatchQuery } from "./_micro_batch.ts";
import { DeltaSource, type DeltaSourceOffset, type DeltaSourceOptions } from "./delta_source.ts";
import {
  idleProgress,
  rowsPerSecond,
  type SinkProgress,
  type StreamingQueryProgress,
} from "./progress.ts";
import { type BatchContext, type BatchResult, type StreamWriteOptions } from "./query.ts";
import { CheckpointMismatchError } from "./errors.ts";
import { DeltaSink } from "./sink.ts";

/** Options of `readStream({format: "delta", ...})`, with Spark's Delta source names. */
export interface DeltaReadStreamOptions extends DeltaSourceOptions {
  /** Must be `delta`. */
  format: "delta";
  /** Table name in the catalog (`db.table` or `table` in `default`); or give `path`. */
  table?: string;
  /**
   * Lakehouse directory for `table` (default env `LAKEHOUSE_DIR` or `./lakehouse`).
   *
   * @default {Deno.env.get("LAKEHOUSE_DIR") ?? "./lakehouse"}
   */
  lakehouseDir?: string;
  /** Table directory, instead of `table`. */
  path?: string;
}

/** A `foreachBatch` function: called once per batch, again with the same id after a crash. */
export type ForeachBatchFunction = (
  df: pl.DataFrame,
  batchId: number,
  context: BatchContext,
) => void | Promise<void>;

/** Options of {@linkcode DeltaStream.writeStream}. */
export interface DeltaWriteStreamOptions extends StreamWriteOptions<DeltaQueryProgress> {
  /**
   * `append` (default): each batch's new rows are appended. `complete`:
   * the transform sees every row read since the query started and the
   * target is overwritten with its result.
   *
   * @default {"append"}
   */
  outputMode?: "append" | "complete";
  /**
   * Instead of a target table, call this with each batch's (transformed)
   * rows. It must be idempotent per batch id (a batch re-runs after a crash).
   */
  foreachBatch?: ForeachBatchFunction;
}

/** The progress of a batch of a Delta-source query. */
export type DeltaQueryProgress = StreamingQueryProgress<DeltaSourceOffset>;

/** The `metadata` file of a Delta-source query's checkpoint. */
export interface DeltaCheckpointMetadata {
  /** The query id. */
  id: string;
  /** The source table's directory and id. */
  source: { format: "delta"; path: string; reservoirId: string };
  /** Where the query started (resolved once, at the first start). */
  startOffset: DeltaSourceOffset;
}

/** A configured Delta stream, ready to be written with {@linkcode writeStream}. */
export class DeltaStream {
  /** The reader options. */
  readonly options: Readonly<DeltaReadStreamOptions>;
  /** The source table directory. */
  readonly path: string;

  /** Use `readStream({format: "delta", ...})`. */
  constructor(options: DeltaReadStreamOptions) {
    const { table, path, lakehouseDir } = options;
    if ((table === undefined) === (path === undefined)) {
      throw new TypeError("Cannot read a Delta stream: give exactly one of table and path");
    }
    this.path = table !== undefined
      ? new Catalog(lakehouseDir ? { lakehouseDir } : {}).tablePath(table)
      : resolveLocation(path!);
    // Validates the source options now rather than at start.
    new DeltaSource(this.path, options);
    this.options = options;
  }

  /** Configures the sink; call `.start()` on the result. */
  writeStream(options: DeltaWriteStreamOptions): DeltaStreamWriter {
    return new DeltaStreamWriter(this, options);
  }
}

/** A configured Delta-source query; {@linkcode start} runs it. */
export class DeltaStreamWriter {
  readonly #stream: DeltaStream;
  readonly #options: DeltaWriteStreamOptions;

  /** Use {@linkcode DeltaStream.writeStream}. */
  constructor(stream: DeltaStream, options: DeltaWriteStreamOptions) {
    this.#stream = stream;
    this.#options = options;
  }

  /**
   * Opens the source, reads or creates the checkpoint and starts the query.
   * Rejects with `TableNotFoundError` when the source table does not exist,
   * and with `CheckpointMismatchError` when the checkpoint was written for
   * another table (or one dropped and recreated at the same place).
   */
  async start(): Promise<DeltaStreamingQuery> {
    const query = new DeltaStreamingQuery(this.#stream, this.#options);
    await query._init();
    query._run();
    return query;
  }
}

interface PendingBatch {
  batchId: number;
  start: DeltaSourceOffset;
  end: DeltaSourceOffset;
}

/**
 * A running Delta-source query, with `StreamingQuery`'s face: `progress`
 * and `terminated` events, `stop()`, `awaitTermination()`,
 * `processAllAvailable()`, `lastProgress`, `recentProgress`.
 */
export class DeltaStreamingQuery extends MicroBatchQuery<DeltaQueryProgress> {
  /** The target table directory, or null with `foreachBatch`. */
  readonly tablePath: string | null;
  readonly #stream: DeltaStream;
  readonly #source: DeltaSource;
  readonly #sink: DeltaSink | null;
  readonly #write: DeltaWriteStreamOptions;
  readonly #complete: boolean;
  #metadata!: DeltaCheckpointMetadata;
  #cursor!: DeltaSourceOffset;
  #pending: PendingBatch | null = null;
  #nextBatchId = 0;
  #untilVersion: number | undefined;
  #lastTriggerStart = 0;

  /** Use {@linkcode DeltaStreamWriter.start}. */
  constructor(stream: DeltaStream, write: DeltaWriteStreamOptions) {
    const {
      format = "delta",
      checkpointLocation,
      queryName,
      outputMode = "append",
      trigger = { processingTime: "1 second" },
      table,
      lakehouseDir,
      path,
      schema,
      foreachBatch,
      onProgress,
      progressRetention,
      noDataProgressEventInterval,
    } = write;
    if (format !== "delta") {
      throw new TypeError(`Cannot write a stream in format "${format}": only "delta" is supported`);
    }
    if (outputMode !== "append" && outputMode !== "complete") {
      throw new TypeError(
        `Cannot use outputMode "${outputMode}": only "append" and "complete" are supported`,
      );
    }
    if (typeof checkpointLocation !== "string" || checkpointLocation === "") {
      throw new TypeError("Cannot start a query: checkpointLocation is required");
    }
    super({
      queryName,
      checkpointLocation: resolveLocation(checkpointLocation),
      trigger,
      progressRetention,
      onProgress,
      noDataProgressEventInterval,
    });
    const targets = [table, path, foreachBatch].filter((x) => x !== undefined).length;
    if (targets !== 1) {
      throw new TypeError("Cannot start a query: give exactly one of table, path and foreachBatch");
    }
    if (foreachBatch !== undefined && typeof foreachBatch !== "function") {
      throw new TypeError("Cannot start a query: foreachBatch must be a function");
    }
    this.tablePath = table !== undefined
      ? new Catalog(lakehouseDir ? { lakehouseDir } : {}).tablePath(table)
      : path !== undefined
      ? resolveLocation(path)
      : null;
    this.#sink = this.tablePath === null ? null : new DeltaSink(this.tablePath, {
      schema,
      name: this.tablePath.split(/[\\/]/).at(-1),
    });
    this.#stream = stream;
    this.#source = new DeltaSource(stream.path, stream.options);
    this.#write = write;
    this.#complete = outputMode === "complete";
  }

  /** @internal Reads or creates the checkpoint and restores the offsets. */
  async _init(): Promise<void> {
    const reservoirId = await this.#source.tableId();
    let metadata = await this.checkpoint.readMetadata<DeltaCheckpointMetadata>();
    if (metadata) {
      if (metadata.source?.format !== "delta") {
        throw new CheckpointMismatchError(
          this.checkpointLocation,
          `Cannot start query from checkpoint ${this.checkpointLocation}: it was not written by a Delta-source query; use another checkpointLocation`,
        );
      }
      if (metadata.source.reservoirId !== reservoirId) {
        throw new CheckpointMismatchError(
          this.checkpointLocation,
          `Cannot start query from checkpoint ${this.checkpointLocation}: it was written for table ${metadata.source.reservoirId} at ${metadata.source.path}, and ${this.#stream.path} holds table ${reservoirId}; use another checkpointLocation or reset the checkpoint`,
        );
      }
    } else {
      metadata = {
        id: crypto.randomUUID(),
        source: { format: "delta", path: this.#stream.path, reservoirId },
        startOffset: await this.#source.initialOffset(),
      };
      await this.checkpoint.writeMetadata(metadata);
    }
    this.#metadata = metadata;
    this.id = metadata.id;
    if (this.availableNow) this.#untilVersion = await this.#source.latestVersion();
    const lastOffsets = await this.checkpoint.latestOffsetsBatch();
    const lastCommit = await this.checkpoint.latestCommittedBatch();
    const offsetsOf = async (batchId: number) =>
      batchId >= 0
        ? await this.checkpoint.readOffsets<DeltaSourceOffset>(batchId) ?? metadata.startOffset
        : metadata.startOffset;
    if (lastOffsets > lastCommit) {
      const start = await offsetsOf(lastOffsets - 1);
      this.#pending = { batchId: lastOffsets, start, end: await offsetsOf(lastOffsets) };
      this.#cursor = start;
      this.#nextBatchId = lastOffsets;
    } else {
      this.#cursor = await offsetsOf(lastCommit);
      this.#nextBatchId = lastCommit + 1;
    }
    if (this.#write.schema) await this.#sink?.open();
  }

  /** @internal The progress of a trigger that found nothing new. */
  protected override async _idleProgress(triggerMs: number): Promise<DeltaQueryProgress> {
    const last = this.lastProgress;
    const version = this.#sink ? last?.sink.version ?? await this.#sink.version() : -1;
    return idleProgress({
      id: this.id,
      runId: this.runId,
      name: this.name,
      batchId: this.#nextBatchId,
      triggerMs,
      sources: [{ description: this.#source.description, offset: this.#cursor }],
      sink: { description: this.#sink?.description ?? "ForeachBatchSink", version },
    });
  }

  /** @internal Runs one batch; false when the table has nothing new. */
  protected override async _trigger(): Promise<boolean> {
    const triggerStart = performance.now();
    const timestamp = new Date().toISOString();
    const sinceLast = this.#lastTriggerStart ? triggerStart - this.#lastTriggerStart : 0;
    let batch: PendingBatch;
    let walMs = 0;
    const t0 = performance.now();
    if (this.#pending) {
      batch = this.#pending;
      this.#pending = null;
    } else {
      if (this.stopping) return false;
      const latest = await this.#source.latestOffset(this.#cursor, this.#untilVersion);
      if (!latest) return false;
      if (latest.files === 0) {
        // Only rearranging or skipped commits: nothing to read, move past them.
        this.#cursor = latest.offset;
        return false;
      }
      batch = { batchId: this.#nextBatchId, start: this.#cursor, end: latest.offset };
      const w0 = performance.now();
      await this.checkpoint.writeOffsets(batch.batchId, batch.end, Date.now());
      walMs = performance.now() - w0;
    }
    const latestOffsetMs = performance.now() - t0 - walMs;
    this.#lastTriggerStart = triggerStart;

    const g0 = performance.now();
    const added = await this.#source.getBatch(batch.start, batch.end);
    const input = this.#complete
      ? await this.#source.getBatch(this.#metadata.startOffset, batch.end)
      : added;
    const getBatchMs = performance.now() - g0;

    const a0 = performance.now();
    const context = { batchId: batch.batchId, queryId: this.id };
    const transform = this.#write.transform;
    const out = transform ? await transform(input, context) : input;
    const df = "df" in out && !("height" in out) ? (out as BatchResult).df : out as pl.DataFrame;
    let sink: SinkProgress;
    if (this.#sink) {
      const written = this.#complete
        ? await this.#sink.completeBatch(this.id, batch.batchId, df)
        : await this.#sink.addBatch(this.id, batch.batchId, df);
      sink = {
        description: this.#sink.description,
        numOutputRows: written.rows,
        version: written.version,
        skipped: written.skipped,
      };
    } else {
      await this.#write.foreachBatch!(df, batch.batchId, context);
      sink = {
        description: "ForeachBatchSink",
        numOutputRows: df.height,
        version: -1,
        skipped: false,
      };
    }
    const addBatchMs = performance.now() - a0;

    const c0 = performance.now();
    await this.checkpoint.writeCommit(batch.batchId);
    const commitMs = performance.now() - c0;
    this.#cursor = batch.end;
    this.#nextBatchId = batch.batchId + 1;

    const triggerMs = performance.now() - triggerStart;
    const rows = added.height;
    await this._report({
      ...this._batchProgressHead(batch.batchId, rows, timestamp, sinceLast, {
        latestOffset: latestOffsetMs,
        getBatch: getBatchMs,
        addBatch: addBatchMs,
        walCommit: walMs,
        commitOffsets: commitMs,
        triggerExecution: triggerMs,
      }),
      sources: [{
        description: this.#source.description,
        startOffset: batch.start,
        endOffset: batch.end,
        latestOffset: batch.end,
        numInputRows: rows,
        inputRowsPerSecond: rowsPerSecond(rows, sinceLast),
        processedRowsPerSecond: rowsPerSecond(rows, triggerMs),
        millisBehindLatest: {},
      }],
      sink,
      numQuarantinedRows: 0,
      nulledValues: {},
      invalidValues: {},
    });
    return true;
  }
}
