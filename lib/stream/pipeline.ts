/**
 * The walkthrough's three streaming queries: for pin, geo and user, the
 * stream `streaming-<userId>-<kind>` is parsed, cleaned with the batch
 * path's functions and appended to `<userId>_<kind>_table`, bad records to
 * `<userId>_<kind>_table_quarantine`, with checkpoints under
 * `<checkpointDir>/<queryName>/`.
 *
 * @module
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type pl from "nodejs-polars";
import { joinLocation } from "../delta/storage/mod.ts";
import { CLEAN_SCHEMAS, cleanGeo, cleanPin, cleanUser, rawFrame } from "../clean/mod.ts";
import type { CleanResult } from "../clean/mod.ts";
import { streamName, tableName } from "../config.ts";
import { RECORD_KINDS, type RecordKind } from "../records.ts";
import { parseBatch, quarantinedRecordOf, quarantineFrame } from "./parse.ts";
import type { StreamingQueryProgress } from "./progress.ts";
import {
  type BatchResult,
  type BatchTransform,
  type InitialPosition,
  readStream,
  type StreamingQuery,
  type Trigger,
} from "./query.ts";

const CLEANERS: Record<RecordKind, (frame: pl.DataFrame) => Promise<CleanResult>> = {
  pin: cleanPin,
  geo: cleanGeo,
  user: cleanUser,
};

/** Options of {@linkcode cleanTransform}. */
export interface CleanTransformOptions {
  /** The cleaning of a frame of valid records (default: the kind's cleaner in `lib/clean`). */
  clean?: (frame: pl.DataFrame) => Promise<CleanResult>;
}

/**
 * The batch transform of a record kind: parse and validate each record
 * (failures become quarantine rows), then clean the valid ones. When
 * building or cleaning the frame fails, the records are tried one by one
 * and those that fail alone are quarantined at the `transform` stage: one
 * poison record does not stop the query. Every quarantined row carries the
 * record's exact payload and Kinesis provenance (`context.records`).
 */
export function cleanTransform(
  kind: RecordKind,
  options: CleanTransformOptions = {},
): BatchTransform {
  if (!RECORD_KINDS.includes(kind)) {
    throw new TypeError(`Cannot clean records of unknown kind "${kind}"`);
  }
  const { clean = CLEANERS[kind] } = options;
  const cleanRecords = (records: readonly Record<string, unknown>[]) =>
    clean(rawFrame(kind, records));
  return async (batch, context) => {
    const payloads = context?.records?.map((r) => r.data);
    const { records, rows, quarantined } = parseBatch(kind, batch, { payloads });
    let cleaned: CleanResult;
    try {
      cleaned = await cleanRecords(records);
    } catch {
      // A record the schema accepted that building or cleaning refuses: find it, one by one.
      const quarantinedOf = quarantinedRecordOf(batch, { payloads });
      const good: Record<string, unknown>[] = [];
      for (const [i, record] of records.entries()) {
        try {
          await cleanRecords([record]);
          good.push(record);
        } catch (error) {
          quarantined.push(quarantinedOf(rows[i]!, "transform", (error as Error).message));
        }
      }
      cleaned = await cleanRecords(good);
    }
    const { df, nulled, invalid } = cleaned;
    return {
      df,
      quarantine: quarantineFrame(quarantined),
      nulled,
      invalid,
    } satisfies BatchResult;
  };
}

/** The query name of a record kind: `<userId>_<kind>_query`. */
export function queryName(userId: string, kind: RecordKind): string {
  return `${userId}_${kind}_query`;
}

/** Options of {@linkcode startPipeline}. */
export interface PipelineOptions {
  /** Names the streams and tables (e.g. `12c0d092d679`). */
  userId: string;
  /** The Kinesis client. */
  kinesis: KinesisClient;
  /**
   * Root of the tables (default env `LAKEHOUSE_DIR` or `./lakehouse`).
   *
   * @default {Deno.env.get("LAKEHOUSE_DIR") ?? "./lakehouse"}
   */
  lakehouseDir?: string;
  /**
   * Root of the checkpoints (default `./checkpoints`).
   *
   * @default {"./checkpoints"}
   */
  checkpointDir?: string;
  /**
   * When batches run: every interval, or once over what is available now ({@linkcode Trigger}).
   *
   * @default {{ processingTime: "1 second" }}
   */
  trigger?: Trigger;
  /**
   * Where new checkpoints start (default `earliest`, as the walkthrough's notebook).
   *
   * @default {"earliest"}
   */
  initialPosition?: InitialPosition;
  /**
   * Which kinds to run (default all three).
   *
   * @default {["pin", "geo", "user"]}
   */
  kinds?: readonly RecordKind[];
  /**
   * Least time between GetRecords per shard (default `400ms`).
   *
   * @default {"400ms"}
   */
  minFetchPeriod?: string | number;
  /**
   * The most records of one shard in one batch, and per GetRecords call (default 10000).
   *
   * @default {10000}
   */
  maxRecordsPerFetch?: number;
  /**
   * How often shards are listed again (default `1s`).
   *
   * @default {"1s"}
   */
  shardFetchInterval?: string | number;
  /** Called with each batch's progress of each query. */
  onProgress?: (kind: RecordKind, progress: StreamingQueryProgress) => void;
}

/**
 * The running queries of the pipeline. In Jupyter it shows each query's
 * recent progress (`Symbol.for("Jupyter.display")`); re-display it with a
 * `display_id` and `update: true` from `onProgress` to update it in place.
 */
export interface Pipeline {
  /** The query of each kind run. */
  queries: Partial<Record<RecordKind, StreamingQuery>>;
  /** Stops every query (each finishes its batch). */
  stop(): Promise<void>;
  /** Waits until every query terminates; rejects with the first failure. */
  awaitTermination(): Promise<void>;
  /** Waits until every query has processed what is available now. */
  processAllAvailable(): Promise<void>;
}

/** An object with a Jupyter face, as StreamingQuery has. */
type JupyterFace = Record<symbol, () => Record<string, string>>;

/**
 * Starts the pin, geo and user queries. If one fails to start, the others
 * are stopped and the error is thrown.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const {
    userId,
    kinesis,
    lakehouseDir,
    checkpointDir = "./checkpoints",
    trigger = { processingTime: "1 second" },
    initialPosition = "earliest",
    kinds = RECORD_KINDS,
    minFetchPeriod,
    maxRecordsPerFetch,
    shardFetchInterval,
    onProgress,
  } = options;
  const queries: Partial<Record<RecordKind, StreamingQuery>> = {};
  const started = await Promise.allSettled(kinds.map(async (kind) => {
    const name = queryName(userId, kind);
    queries[kind] = await readStream({
      format: "kinesis",
      streamName: streamName(userId, kind),
      kinesis,
      initialPosition,
      minFetchPeriod,
      maxRecordsPerFetch,
      shardFetchInterval,
    }).writeStream({
      format: "delta",
      checkpointLocation: joinLocation(checkpointDir, name),
      queryName: name,
      outputMode: "append",
      trigger,
      table: tableName(userId, kind),
      lakehouseDir,
      schema: CLEAN_SCHEMAS[kind],
      transform: cleanTransform(kind),
      onProgress: onProgress && ((p) => onProgress(kind, p)),
    }).start();
  }));
  const all = () => Object.values(queries) as StreamingQuery[];
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(all().map((q) => q.stop()));
    throw failed.reason;
  }
  return {
    queries,
    async stop() {
      await Promise.all(all().map((q) => q.stop()));
    },
    async awaitTermination() {
      await Promise.all(all().map((q) => q.awaitTermination()));
    },
    async processAllAvailable() {
      await Promise.all(all().map((q) => q.processAllAvailable()));
    },
    [Symbol.for("Jupyter.display")]() {
      const faces = all().map((q) =>
        (q as unknown as JupyterFace)[Symbol.for("Jupyter.display")]!()
      );
      return {
        "text/html": faces.map((f) => f["text/html"]).join(""),
        "text/plain": faces.map((f) => f["text/plain"]).join("\n"),
      };
    },
  };
}
