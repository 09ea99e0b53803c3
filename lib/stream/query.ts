/**
 * Streaming queries from a Kinesis stream to a Delta table, with Spark's
 * option names: `readStream({format: "kinesis", ...}).writeStream({format:
 * "delta", checkpointLocation, ...}).start()` gives a
 * {@linkcode StreamingQuery} that runs micro-batches until stopped.
 *
 * Each batch: the source's end offset is written to `offsets/<batchId>`,
 * the records between the previous offset and it are read, transformed
 * and appended to the table (and bad records to its quarantine table) with
 * `txn{appId: query id, version: batchId}`, then `commits/<batchId>` is
 * written. A restart re-runs an uncommitted batch with the same id and
 * offsets, and the sink skips what the table already has: every record
 * lands exactly once.
 *
 * With no new data, a processing-time query reports an idle progress
 * (numInputRows 0) at most every `noDataProgressEventInterval` (10 s), as
 * Spark does. `PINSTREAM_TEST_CRASH_AFTER` is a test hook for crash tests
 * (`crashPoint` below).
 *
 * @module
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type pl from "nodejs-polars";
import { joinLocation, resolveLocation } from "../delta/storage/mod.ts";
import { describeStream } from "../kinesis/admin.ts";
import { createKinesisClient } from "../kinesis/client.ts";
import { Catalog } from "../catalog.ts";
import { DeltaTable } from "../delta/mod.ts";
import { durationMs } from "../_util/duration.ts";
import {
  type CheckpointMetadata,
  type SourceOffset,
  type StartingPosition,
} from "./offsets_log.ts";
import { QUARANTINE_SCHEMA } from "./parse.ts";
import { idleProgress, rowsPerSecond, type StreamingQueryProgress } from "./progress.ts";
import { DeltaSink } from "./sink.ts";
import { CheckpointMismatchError } from "./errors.ts";
import { KinesisSource, type SourceRecord } from "./source.ts";
import { MicroBatchQuery } from "./_micro_batch.ts";
import { type DeltaReadStreamOptions, DeltaStream } from "./delta_query.ts";

/** Where a new query starts: Databricks' `initialPosition`. */
export type InitialPosition =
  | "earliest"
  | "trim_horizon"
  | "latest"
  | { timestamp: Date | number | string };

/** Options of {@linkcode readStream}, with the Databricks Kinesis source's names. */
export interface ReadStreamOptions {
  /** Must be `kinesis`. */
  format: "kinesis";
  /** The stream to read. */
  streamName: string;
  /**
   * Where a new checkpoint starts (default `latest`, as Databricks; pinstream's pipeline uses `earliest`).
   *
   * @default {"latest"}
   */
  initialPosition?: InitialPosition;
  /**
   * A Kinesis client to use (default: one made from `endpoint` and `region`).
   *
   * @default {createKinesisClient({ endpoint, region })}
   */
  kinesis?: KinesisClient;
  /**
   * Kinesis endpoint, e.g. `http://127.0.0.1:4568` (default: AWS's).
   *
   * @default {undefined}
   */
  endpoint?: string;
  /**
   * AWS region (default `us-east-1`).
   *
   * @default {"us-east-1"}
   */
  region?: string;
  /**
   * The most records of one shard in one batch, and per GetRecords call (default 10000).
   *
   * @default {10000}
   */
  maxRecordsPerFetch?: number;
  /**
   * Least time between GetRecords calls per shard (default `400ms`).
   *
   * @default {"400ms"}
   */
  minFetchPeriod?: string | number;
  /**
   * Longest fetch per shard per trigger (default `10s`, as Databricks).
   *
   * @default {"10s"}
   */
  maxFetchDuration?: string | number;
  /**
   * How often shards are listed again (default `1s`).
   *
   * @default {"1s"}
   */
  shardFetchInterval?: string | number;
}

/**
 * A trigger: every interval (`processingTime`), or `availableNow`: process
 * what the stream held when the query started, in as many batches as
 * `maxRecordsPerFetch` needs, then stop, even while records keep arriving
 * (Spark's Trigger.AvailableNow).
 *
 * Durations here and in the other options: a number is milliseconds; a
 * string needs a unit (`"250ms"`, `"10s"`, `"1 second"`, `"5 minutes"`); a
 * string without one, such as `"10"`, is refused with a `RangeError`.
 */
export type Trigger = { processingTime: string | number } | { availableNow: true };

/** What a transform returns for a batch. */
export interface BatchResult {
  /** Rows for the table. */
  df: pl.DataFrame;
  /** Rows for the quarantine table (with {@linkcode QUARANTINE_SCHEMA}); default none. */
  quarantine?: pl.DataFrame;
  /** Per column, placeholder values nulled (reported in progress). */
  nulled?: Record<string, number>;
  /** Per column, unconvertible values nulled (reported in progress). */
  invalid?: Record<string, number>;
}

/** Context given to a transform. */
export interface BatchContext {
  batchId: number;
  queryId: string;
  /**
   * The batch's records as Kinesis returned them (exact payload bytes and
   * provenance), row `i` of the frame being `records[i]`: for quarantining
   * a record losslessly.
   */
  records?: readonly SourceRecord[];
}

/** A batch transform: the source frame in, the table's rows (and quarantined rows) out. */
export type BatchTransform = (
  batch: pl.DataFrame,
  context: BatchContext,
) => BatchResult | pl.DataFrame | Promise<BatchResult | pl.DataFrame>;

/** Options every streaming query's `writeStream` takes (Spark's DataStreamWriter options). */
export interface StreamWriteOptions<P extends StreamingQueryProgress<unknown>> {
  /**
   * Must be `delta` (default).
   *
   * @default {"delta"}
   */
  format?: "delta";
  /** The checkpoint directory or `s3://` location (required). */
  checkpointLocation: string;
  /**
   * The query's name (default none).
   *
   * @default {undefined}
   */
  queryName?: string;
  /**
   * When batches run: every interval, or once over what is available now ({@linkcode Trigger}).
   *
   * @default {{ processingTime: "1 second" }}
   */
  trigger?: Trigger;
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
  /**
   * The table's schema, to create it before the first batch (default: the first batch's).
   *
   * @default {undefined}
   */
  schema?: Record<string, pl.DataType>;
  /**
   * The batch transform (default: the rows as read).
   *
   * @default {undefined}
   */
  transform?: BatchTransform;
  /**
   * Called with each batch's progress (also a `progress` event).
   *
   * @default {undefined}
   */
  onProgress?: (progress: P) => void;
  /**
   * How many progress reports `recentProgress` keeps.
   *
   * @default {100}
   */
  progressRetention?: number;
  /**
   * With a processing-time trigger, the least time between two idle
   * progress reports (numInputRows 0) while no data comes: Spark's
   * `spark.sql.streaming.noDataProgressEventInterval`.
   *
   * @default {"10s"}
   */
  noDataProgressEventInterval?: string | number;
}

/** Options of a Kinesis query's `writeStream`, with Spark's names. */
export interface WriteStreamOptions extends StreamWriteOptions<StreamingQueryProgress> {
  /**
   * Only `append` (default).
   *
   * @default {"append"}
   */
  outputMode?: "append";
  /**
   * Quarantine table name (default `<table>_quarantine`), or directory with `path`.
   *
   * @default {`${table}_quarantine`}
   */
  quarantineTable?: string;
}

/** A configured Kinesis stream, ready to be written with {@linkcode writeStream}. */
export class KinesisStream {
  /** The reader options. */
  readonly options: Readonly<ReadStreamOptions>;

  /** Use {@linkcode readStream}. */
  constructor(options: ReadStreamOptions) {
    this.options = options;
  }

  /** Configures the sink; call `.start()` or `.table(name)` on the result. */
  writeStream(options: WriteStreamOptions): DataStreamWriter {
    return new DataStreamWriter(this, options);
  }
}

/** A configured query; {@linkcode start} or {@linkcode table} runs it. */
export class DataStreamWriter {
  readonly #stream: KinesisStream;
  readonly #options: WriteStreamOptions;

  /** Use {@linkcode KinesisStream.writeStream}. */
  constructor(stream: KinesisStream, options: WriteStreamOptions) {
    this.#stream = stream;
    this.#options = options;
  }

  /**
   * Checks the checkpoint against the stream, opens the tables and starts
   * the query. Rejects with {@linkcode CheckpointMismatchError} when the
   * checkpoint belongs to another stream or to a deleted and recreated one.
   */
  async start(): Promise<StreamingQuery> {
    const query = new StreamingQuery(this.#stream.options, this.#options);
    await query._init();
    query._run();
    return query;
  }

  /**
   * Starts the query writing to catalog table `name` (`table` or
   * `db.table`) under `lakehouseDir`, creating it when missing: Spark's
   * `DataStreamWriter.toTable`, the walkthrough's `.table(name)`.
   */
  async table(name: string): Promise<StreamingQuery> {
    const { path, table } = this.#options;
    if (path !== undefined || (table !== undefined && table !== name)) {
      throw new TypeError(
        `Cannot write the stream to table "${name}": the query already writes to ${path ?? table}`,
      );
    }
    return await new DataStreamWriter(this.#stream, { ...this.#options, table: name }).start();
  }
}

/**
 * Starts describing a streaming read of a Kinesis stream.
 *
 * @example
 * ```ts ignore
 * const query = await readStream({ format: "kinesis", streamName: "s", endpoint })
 *   .writeStream({ checkpointLocation: "./checkpoints/q", table: "t", trigger: { availableNow: true } })
 *   .start();
 * await query.awaitTermination();
 * ```
 */
export function readStream(options: ReadStreamOptions): KinesisStream;
/**
 * Starts describing a streaming read of a Delta table (Spark's
 * `readStream.format("delta")`): the table's rows as of the start, then
 * each new commit's (`startingVersion`, `maxFilesPerTrigger` default 1000,
 * `skipChangeCommits`); see `DeltaStream`.
 *
 * @example
 * ```ts ignore
 * const query = await readStream({ format: "delta", table: "12c0d092d679_pin_table" })
 *   .writeStream({ checkpointLocation: "./checkpoints/copy", table: "pins_copy" })
 *   .start();
 * await query.processAllAvailable();
 * await query.stop();
 * ```
 */
export function readStream(options: DeltaReadStreamOptions): DeltaStream;
export function readStream(
  options: ReadStreamOptions | DeltaReadStreamOptions,
): KinesisStream | DeltaStream {
  if (options?.format === "delta") return new DeltaStream(options);
  if (!options || options.format !== "kinesis") {
    throw new TypeError(
      `Cannot read a stream of format "${
        (options as { format?: unknown })?.format
      }": only "kinesis" and "delta" are supported`,
    );
  }
  if (typeof options.streamName !== "string" || options.streamName === "") {
    throw new TypeError("Cannot read a stream: streamName must be a non-empty string");
  }
  return new KinesisStream(options);
}

interface PendingBatch {
  batchId: number;
  start: SourceOffset | null;
  end: SourceOffset;
}

/**
 * A running streaming query (Spark's `StreamingQuery`). Emits `progress`
 * events (a `CustomEvent` whose `detail` is the progress) and `terminated`.
 */
export class StreamingQuery extends MicroBatchQuery<StreamingQueryProgress> {
  /** The table directory. */
  readonly tablePath: string;
  /** The quarantine table directory. */
  readonly quarantinePath: string;

  readonly #read: ReadStreamOptions;
  readonly #write: WriteStreamOptions;
  readonly #kinesis: KinesisClient;
  readonly #ownsClient: boolean;
  readonly #sink: DeltaSink;
  readonly #quarantine: DeltaSink;
  #source!: KinesisSource;
  #pending: PendingBatch | null = null;
  #nextBatchId = 0;
  #lastTriggerStart = 0;
  #lastMillisBehind: Record<string, number> = {};

  /** Use {@linkcode DataStreamWriter.start}. */
  constructor(read: ReadStreamOptions, write: WriteStreamOptions) {
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
      quarantineTable,
      progressRetention,
      noDataProgressEventInterval,
    } = write;
    if (format !== "delta") {
      throw new TypeError(`Cannot write a stream in format "${format}": only "delta" is supported`);
    }
    if (outputMode !== "append") {
      throw new TypeError(`Cannot use outputMode "${outputMode}": only "append" is supported`);
    }
    if (typeof checkpointLocation !== "string" || checkpointLocation === "") {
      throw new TypeError("Cannot start a query: checkpointLocation is required");
    }
    if ((table === undefined) === (path === undefined)) {
      throw new TypeError("Cannot start a query: give exactly one of table and path");
    }
    super({
      queryName,
      checkpointLocation: resolveLocation(checkpointLocation),
      trigger,
      progressRetention,
      onProgress: write.onProgress,
      noDataProgressEventInterval,
    });
    if (table !== undefined) {
      const catalog = new Catalog(lakehouseDir ? { lakehouseDir } : {});
      this.tablePath = catalog.tablePath(table);
      this.quarantinePath = catalog.tablePath(quarantineTable ?? `${table}_quarantine`);
    } else {
      this.tablePath = resolveLocation(path!);
      this.quarantinePath = resolveLocation(quarantineTable ?? `${path}_quarantine`);
    }
    const tableName = this.tablePath.split(/[\\/]/).at(-1);
    this.#sink = new DeltaSink(this.tablePath, { schema, name: tableName });
    this.#quarantine = new DeltaSink(this.quarantinePath, {
      schema: QUARANTINE_SCHEMA,
      name: `${tableName}_quarantine`,
    });
    this.#read = read;
    this.#write = write;
    this.#ownsClient = read.kinesis === undefined;
    this.#kinesis = read.kinesis ??
      createKinesisClient({ endpoint: read.endpoint, region: read.region });
  }

  /** @internal Reads or creates the checkpoint, checks the stream, restores the offsets. */
  async _init(): Promise<void> {
    // Trigger.AvailableNow processes what the stream holds when the query starts.
    const availableNowAtMs = this.availableNow ? Date.now() : undefined;
    const streamName = this.#read.streamName;
    const stream = await describeStream(this.#kinesis, streamName);
    const createdMs = stream.createdAt?.getTime() ?? null;
    let metadata = await this.checkpoint.readMetadata();
    if (metadata) {
      if (metadata.streamName !== streamName) {
        throw new CheckpointMismatchError(
          this.checkpointLocation,
          `Cannot start query from checkpoint ${this.checkpointLocation}: it was written for stream "${metadata.streamName}", not "${streamName}"; use another checkpointLocation or reset the checkpoint`,
        );
      }
      if (metadata.streamArn !== stream.arn || metadata.streamCreatedMs !== createdMs) {
        throw new CheckpointMismatchError(
          this.checkpointLocation,
          `Cannot start query from checkpoint ${this.checkpointLocation}: stream "${streamName}" was deleted and recreated since (created ${
            iso(metadata.streamCreatedMs)
          } in the checkpoint, ${
            iso(createdMs)
          } now), so its shards and sequence numbers no longer match; reset the checkpoint (--reset-checkpoint) to start again from initialPosition`,
        );
      }
    } else {
      metadata = {
        id: crypto.randomUUID(),
        streamName,
        streamArn: stream.arn,
        streamCreatedMs: createdMs,
        startingPosition: resolveInitialPosition(this.#read.initialPosition ?? "latest"),
      } satisfies CheckpointMetadata;
      await this.checkpoint.writeMetadata(metadata);
    }
    this.id = metadata.id;
    this.#source = new KinesisSource(this.#kinesis, streamName, {
      startingPosition: metadata.startingPosition,
      maxRecordsPerFetch: this.#read.maxRecordsPerFetch,
      minFetchPeriodMs: optionalMs("minFetchPeriod", this.#read.minFetchPeriod),
      maxFetchDurationMs: optionalMs("maxFetchDuration", this.#read.maxFetchDuration),
      shardFetchIntervalMs: optionalMs("shardFetchInterval", this.#read.shardFetchInterval),
      availableNowAtMs,
    });
    const lastOffsets = await this.checkpoint.latestOffsetsBatch();
    const lastCommit = await this.checkpoint.latestCommittedBatch();
    if (lastOffsets > lastCommit) {
      const end = await this.checkpoint.readOffsets(lastOffsets);
      const start = lastOffsets > 0 ? await this.checkpoint.readOffsets(lastOffsets - 1) : null;
      this.#pending = { batchId: lastOffsets, start, end: end! };
      this.#source.restore(start);
      this.#nextBatchId = lastOffsets;
    } else {
      this.#source.restore(lastCommit >= 0 ? await this.checkpoint.readOffsets(lastCommit) : null);
      this.#nextBatchId = lastCommit + 1;
    }
    if (this.#write.schema) await this.#sink.open();
    await this.#checkQuarantineTable();
  }

  /**
   * Refuses to start when an existing quarantine table lacks a column of
   * {@linkcode QUARANTINE_SCHEMA} (one written before `data_base64` kept
   * the exact payload), rather than failing at the first bad record.
   */
  async #checkQuarantineTable(): Promise<void> {
    if (!(await DeltaTable.exists(this.quarantinePath))) return;
    const table = await DeltaTable.open(this.quarantinePath);
    const have = new Set(table.schema.fields.map((f) => f.name));
    const missing = Object.keys(QUARANTINE_SCHEMA).filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new Error(
        `Cannot start query: quarantine table ${this.quarantinePath} has no column ${
          missing.join(", ")
        } (it was written by an earlier pinstream); move it away and the query creates it again`,
      );
    }
  }

  /** @internal Available-now ends once every shard is read up to the query's start, even while records keep arriving. */
  protected override _availableNowDone(): boolean {
    return this.#source.availableNowDone();
  }

  /** @internal Waits for the sinks' auto-compaction and closes the Kinesis client the query created. */
  protected override async _close(): Promise<void> {
    await Promise.all([this.#sink.close(), this.#quarantine.close()]);
    if (this.#ownsClient) this.#kinesis.destroy();
  }

  /** @internal The progress of a trigger that found nothing new (Spark's no-data progress). */
  protected override async _idleProgress(triggerMs: number): Promise<StreamingQueryProgress> {
    const last = this.lastProgress;
    return idleProgress({
      id: this.id,
      runId: this.runId,
      name: this.name,
      batchId: this.#nextBatchId,
      triggerMs,
      sources: [{
        description: `KinesisV2[${this.#read.streamName}]`,
        offset: this.#source.currentOffset(),
        millisBehindLatest: this.#lastMillisBehind,
      }],
      sink: {
        description: this.#sink.description,
        version: last?.sink.version ?? await this.#sink.version(),
      },
    });
  }

  /** @internal Runs one trigger; false when there was nothing new. */
  protected async _trigger(): Promise<boolean> {
    const triggerStart = performance.now();
    const timestamp = new Date().toISOString();
    const sinceLast = this.#lastTriggerStart ? triggerStart - this.#lastTriggerStart : 0;
    let batch: PendingBatch;
    let latestOffset: SourceOffset;
    let millisBehindLatest: Record<string, number> = {};
    let walMs = 0;
    const t0 = performance.now();
    if (this.#pending) {
      batch = this.#pending;
      latestOffset = batch.end;
      this.#pending = null;
    } else {
      const start = this.#source.currentOffset();
      const latest = await this.#source.latestOffset(this.abort.signal);
      millisBehindLatest = latest.millisBehindLatest;
      this.#lastMillisBehind = millisBehindLatest;
      if (latest.available === 0 && !offsetAdvanced(start, latest.offset)) return false;
      if (this.stopping && latest.available === 0) return false;
      batch = { batchId: this.#nextBatchId, start, end: latest.offset };
      latestOffset = latest.offset;
      const w0 = performance.now();
      await this.checkpoint.writeOffsets(batch.batchId, batch.end, Date.now());
      walMs = performance.now() - w0;
      crashPoint("offsets");
    }
    const latestOffsetMs = performance.now() - t0 - walMs;
    this.#lastTriggerStart = triggerStart;

    const g0 = performance.now();
    const { df: raw, records } = await this.#source.getBatch(batch.start, batch.end);
    const getBatchMs = performance.now() - g0;

    const a0 = performance.now();
    const context: BatchContext = { batchId: batch.batchId, queryId: this.id, records };
    const out = this.#write.transform ? await this.#write.transform(raw, context) : raw;
    const result: BatchResult = "df" in out && !("height" in out)
      ? out as BatchResult
      : { df: out as pl.DataFrame };
    const quarantined = result.quarantine?.height ?? 0;
    if (quarantined > 0) {
      await this.#quarantine.addBatch(this.id, batch.batchId, result.quarantine!);
    }
    const written = await this.#sink.addBatch(this.id, batch.batchId, result.df);
    crashPoint("delta-commit");
    const addBatchMs = performance.now() - a0;

    const c0 = performance.now();
    await this.checkpoint.writeCommit(batch.batchId);
    const commitMs = performance.now() - c0;
    this.#nextBatchId = batch.batchId + 1;

    const triggerMs = performance.now() - triggerStart;
    const rows = raw.height;
    const progress: StreamingQueryProgress = {
      ...this._batchProgressHead(batch.batchId, rows, timestamp, sinceLast, {
        latestOffset: latestOffsetMs,
        getBatch: getBatchMs,
        addBatch: addBatchMs,
        walCommit: walMs,
        commitOffsets: commitMs,
        triggerExecution: triggerMs,
      }),
      sources: [{
        description: `KinesisV2[${this.#read.streamName}]`,
        startOffset: batch.start,
        endOffset: batch.end,
        latestOffset,
        numInputRows: rows,
        inputRowsPerSecond: rowsPerSecond(rows, sinceLast),
        processedRowsPerSecond: rowsPerSecond(rows, triggerMs),
        millisBehindLatest,
      }],
      sink: {
        description: this.#sink.description,
        numOutputRows: written.rows,
        version: written.version,
        skipped: written.skipped,
      },
      numQuarantinedRows: quarantined,
      nulledValues: result.nulled ?? {},
      invalidValues: result.invalid ?? {},
    };
    await this._report(progress);
    return true;
  }
}

/**
 * Test hook, for crash tests only: `PINSTREAM_TEST_CRASH_AFTER=<point>` makes
 * the process exit with code 137 (as SIGKILL would) right after that point
 * of the first batch reaching it: `offsets` (offsets/<n> written, nothing
 * committed) or `delta-commit` (the table committed batch n, commits/<n> not
 * yet written). Unset, it does nothing.
 */
const CRASH_AFTER = (() => {
  try {
    return Deno.env.get("PINSTREAM_TEST_CRASH_AFTER");
  } catch {
    return undefined; // no env permission: no hook
  }
})();

function crashPoint(point: "offsets" | "delta-commit"): void {
  if (CRASH_AFTER === point) Deno.exit(137);
}

/** The progress directory of a checkpoint. */
export function progressDir(checkpointLocation: string): string {
  return joinLocation(checkpointLocation, "progress");
}

function resolveInitialPosition(position: InitialPosition): StartingPosition {
  if (position === "earliest" || position === "trim_horizon") return { type: "earliest" };
  if (position === "latest") return { type: "timestamp", timestampMs: Date.now() };
  if (position && typeof position === "object" && "timestamp" in position) {
    const ms = new Date(position.timestamp).getTime();
    if (Number.isNaN(ms)) {
      throw new RangeError(
        `Invalid initialPosition timestamp ${JSON.stringify(position.timestamp)}`,
      );
    }
    return { type: "timestamp", timestampMs: ms };
  }
  throw new RangeError(
    `Invalid initialPosition ${
      JSON.stringify(position)
    }: expected "earliest", "latest" or { timestamp }`,
  );
}

function optionalMs(option: string, value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : durationMs(option, value);
}

/** Whether `end` moved past `start` in any shard (new records, or a shard closing). */
function offsetAdvanced(start: SourceOffset, end: SourceOffset): boolean {
  for (const [id, e] of Object.entries(end.shards)) {
    const s = start.shards[id];
    if ((s?.sequenceNumber ?? null) !== e.sequenceNumber || (s?.closed ?? false) !== e.closed) {
      return true;
    }
  }
  return false;
}

function iso(ms: number | null): string {
  return ms === null ? "unknown" : new Date(ms).toISOString();
}
