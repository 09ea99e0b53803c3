/**
 * A streaming query's checkpoint, in Spark's layout: `metadata` (the query
 * id, stable across restarts, and the stream it reads), `offsets/<batchId>`
 * written before a batch runs, `commits/<batchId>` written after the sink
 * committed it, and `progress/` (JSON lines, one per batch). The location
 * is a local directory or `s3://bucket/prefix`; every file goes through the
 * Delta storage layer. `offsets/<n>` and `commits/<n>` are created only if
 * absent (a conditional PUT on S3), durably, so `commits/<n>` never exists
 * before the Delta commit it follows.
 *
 * @module
 */
import { dirname } from "node:path";
import {
  deleteAll,
  LocalStorage,
  openStorage,
  readText,
  type Storage,
} from "../delta/storage/mod.ts";

/** Where a new query starts reading a shard it has no offset for. */
export type StartingPosition = { type: "earliest" } | { type: "timestamp"; timestampMs: number };

/** The `metadata` file of a checkpoint. */
export interface CheckpointMetadata {
  /** The query id (Spark's `id`), kept across restarts. */
  id: string;
  /** The Kinesis stream the query reads. */
  streamName: string;
  /** The stream's ARN when the checkpoint was created. */
  streamArn: string;
  /** The stream's creation time (ms since the epoch) when the checkpoint was created. */
  streamCreatedMs: number | null;
  /** Where shards without an offset start (resolved once, at the first start). */
  startingPosition: StartingPosition;
}

/** One shard's end offset in a batch. */
export interface ShardOffset {
  /** The last sequence number included, or null when nothing was read from the shard yet. */
  sequenceNumber: string | null;
  /** True once the shard is closed and read to its end. */
  closed: boolean;
}

/** The source offset of a batch: per shard, the last sequence number included. */
export interface SourceOffset {
  streamName: string;
  shards: Record<string, ShardOffset>;
}

/** A streaming query's checkpoint location, a directory or `s3://bucket/prefix` (its offsets and commits logs). */
export class QueryCheckpoint {
  /** The checkpoint location, as given. */
  readonly dir: string;
  /** The storage of the location. */
  readonly storage: Storage;
  #progress = new Map<string, string>();

  /** A checkpoint at `dir`, a path or `s3://bucket/prefix` (nothing is read or written yet). */
  constructor(dir: string) {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError("Cannot use a checkpoint: the location must be a non-empty string");
    }
    this.dir = dir;
    this.storage = openStorage(dir);
  }

  /** The metadata, or null for a new checkpoint (`M`: another source's metadata). */
  async readMetadata<M = CheckpointMetadata>(): Promise<M | null> {
    const text = await readText(this.storage, "metadata");
    if (text === null) return null;
    try {
      return JSON.parse(text) as M;
    } catch (cause) {
      throw new Error(`Cannot read checkpoint ${this.dir}: its metadata file is not JSON`, {
        cause,
      });
    }
  }

  /** Writes the metadata (once, at the first start). */
  async writeMetadata<M = CheckpointMetadata>(metadata: M): Promise<void> {
    await this.storage.write("metadata", JSON.stringify(metadata) + "\n");
  }

  /** The highest batch id with an offsets file, or -1. */
  latestOffsetsBatch(): Promise<number> {
    return latestBatch(this.storage, "offsets");
  }

  /** The highest batch id with a commit file, or -1. */
  latestCommittedBatch(): Promise<number> {
    return latestBatch(this.storage, "commits");
  }

  /** The end offset of `batchId`, or null when it has none (`O`: another source's offsets). */
  async readOffsets<O = SourceOffset>(batchId: number): Promise<O | null> {
    const text = await readText(this.storage, `offsets/${batchId}`);
    if (text === null) return null;
    const lines = text.split("\n");
    if (lines[0] !== "v1" || lines[2] === undefined) {
      throw new Error(`Cannot read offsets/${batchId} of ${this.dir}: unknown format`);
    }
    return JSON.parse(lines[2]) as O;
  }

  /**
   * Writes `offsets/<batchId>` (Spark's write-ahead log entry) before the
   * batch runs, only if no run wrote it yet: another run of the same query
   * writing the same batch is refused with an `Error`.
   */
  async writeOffsets<O = SourceOffset>(batchId: number, offset: O, batchTimestampMs: number) {
    const meta = { batchWatermarkMs: 0, batchTimestampMs, conf: {} };
    await this.#create(
      `offsets/${batchId}`,
      `v1\n${JSON.stringify(meta)}\n${JSON.stringify(offset)}`,
    );
  }

  /** Writes `commits/<batchId>` after the sink committed the batch (once). */
  async writeCommit(batchId: number): Promise<void> {
    await this.#create(
      `commits/${batchId}`,
      `v1\n${JSON.stringify({ nextBatchWatermarkMs: 0 })}`,
    );
  }

  /** Appends one progress object as a JSON line to `progress/<runId>.jsonl`. */
  async appendProgress(runId: string, progress: unknown): Promise<void> {
    const path = `progress/${runId}.jsonl`;
    const line = JSON.stringify(progress) + "\n";
    const local = this.storage instanceof LocalStorage ? this.storage.localPath(path) : null;
    if (local !== null) {
      await Deno.mkdir(dirname(local), { recursive: true });
      await Deno.writeTextFile(local, line, { append: true });
      return;
    }
    // Object stores cannot append: the run's lines so far are rewritten.
    const before = this.#progress.get(runId) ?? await readText(this.storage, path) ?? "";
    this.#progress.set(runId, before + line);
    await this.storage.write(path, before + line);
  }

  /** Creates `path` once; the same content already there is fine, other content is refused. */
  async #create(path: string, text: string): Promise<void> {
    if (await this.storage.writeIfAbsent(path, text)) return;
    const there = await readText(this.storage, path);
    if (there === text) return;
    throw new Error(
      `Cannot write ${path} of checkpoint ${this.dir}: another run of this query wrote it ` +
        "(two runs must not share a checkpoint)",
    );
  }
}

/** What {@linkcode resetCheckpoint} discarded. */
export interface ResetResult {
  /** The checkpoint directory. */
  dir: string;
  /** False when there was no checkpoint. */
  existed: boolean;
  /** The discarded query id. */
  queryId: string | null;
  /** The stream the checkpoint read. */
  streamName: string | null;
  /** The last committed batch id (-1 for none). */
  lastCommittedBatch: number;
  /** The discarded per-shard positions of the last batch with offsets. */
  offsets: SourceOffset | null;
  /** One sentence saying what was discarded. */
  message: string;
}

/**
 * Deletes a checkpoint directory and says what it discarded. The next start
 * is a new query (new id) reading from its `initialPosition`: records it
 * reads again are appended again to the table.
 */
export async function resetCheckpoint(dir: string): Promise<ResetResult> {
  const checkpoint = new QueryCheckpoint(dir);
  const metadata = await checkpoint.readMetadata().catch(() => null);
  const existed = (await checkpoint.storage.listPaths("")).length > 0;
  const lastOffsets = existed ? await checkpoint.latestOffsetsBatch() : -1;
  const lastCommittedBatch = existed ? await checkpoint.latestCommittedBatch() : -1;
  const read = lastOffsets >= 0
    ? await checkpoint.readOffsets(lastOffsets).catch(() => null)
    : null;
  if (existed) await deleteAll(checkpoint.storage);
  // Delta-source and gold checkpoints hold table versions, not shard positions.
  const kinesis = !metadata || typeof metadata.streamName === "string";
  const offsets = read && typeof read.shards === "object" ? read : null;
  const shards = offsets ? Object.keys(offsets.shards).length : 0;
  const message = !existed
    ? `No checkpoint at ${dir}: nothing to discard`
    : kinesis
    ? `Discarded checkpoint ${dir}: query id ${metadata?.id ?? "unknown"} on stream ${
      metadata?.streamName ?? "unknown"
    }, ${lastCommittedBatch + 1} committed batches and the positions of ${shards} shards; ` +
      "the next start is a new query reading from its initialPosition"
    : `Discarded checkpoint ${dir}: query id ${metadata?.id ?? "unknown"} reading Delta ` +
      `tables, ${lastCommittedBatch + 1} committed batches and the table versions they read; ` +
      "the next start is a new query reading its tables from the start";
  return {
    dir,
    existed,
    queryId: metadata?.id ?? null,
    streamName: metadata?.streamName ?? null,
    lastCommittedBatch,
    offsets,
    message,
  };
}

async function latestBatch(storage: Storage, dir: string): Promise<number> {
  let max = -1;
  for (const path of await storage.listPaths(`${dir}/`)) {
    const name = path.slice(dir.length + 1);
    if (/^\d+$/.test(name)) max = Math.max(max, Number(name));
  }
  return max;
}
