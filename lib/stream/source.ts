/**
 * The Kinesis source of a streaming query: discovers the shards of a stream
 * (ListShards every `shardFetchInterval`), reads each with GetRecords from
 * its checkpointed sequence number, and hands out micro-batches between two
 * offsets. A parent shard is read to its end before its children, so a
 * reshard loses nothing and keeps each partition key's order.
 *
 * @module
 */
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import pl from "nodejs-polars";
import { listShards } from "../kinesis/admin.ts";
import { backoffMs } from "../_util/backoff.ts";
import { sleep } from "../_util/sleep.ts";
import { awsErrorName, StreamNotFoundError } from "../kinesis/errors.ts";
import { isRetryableKinesisError, retryKinesis } from "../kinesis/retry.ts";
import type { SourceOffset, StartingPosition } from "./offsets_log.ts";

/** The default `maxRecordsPerFetch`: one batch takes at most this many records of each shard. */
export const DEFAULT_MAX_RECORDS_PER_FETCH = 10_000;

/** Options of {@linkcode KinesisSource}, with the Databricks Kinesis source's names. */
export interface KinesisSourceOptions {
  /** Where shards without a checkpointed sequence number start (default earliest). */
  startingPosition?: StartingPosition;
  /**
   * The most records of one shard in one batch (default 10000, the most one
   * GetRecords returns). A shard's GetRecords asks only for what its buffer
   * has room for, so a batch never holds more, however short the pages.
   */
  maxRecordsPerFetch?: number;
  /** Least time between two GetRecords calls on one shard, in ms (default 400: AWS allows 5/s). */
  minFetchPeriodMs?: number;
  /** Longest time one trigger spends fetching a shard, in ms (default 10000, Databricks' `maxFetchDuration` 10s). */
  maxFetchDurationMs?: number;
  /** How often to list the shards again to find new ones, in ms (default 1000). */
  shardFetchIntervalMs?: number;
  /** Longest wait between retries after throttling or a network error, in ms (default 5000). */
  maxBackoffMs?: number;
  /**
   * Trigger.AvailableNow: read only what the stream held at this time (ms
   * since the epoch). A shard is caught up once a GetRecords answers
   * MillisBehindLatest 0 or returns a record that arrived after it; records
   * after that point are left for a later run. Default: no bound.
   */
  availableNowAtMs?: number;
}

/** One Kinesis record as the source holds it. */
export interface SourceRecord {
  data: Uint8Array;
  partitionKey: string;
  shardId: string;
  sequenceNumber: string;
  approximateArrivalTimestampMs: number;
}

/** What {@linkcode KinesisSource.latestOffset} found. */
export interface LatestOffset {
  /** The end offset a batch would have now (per shard, the last record fetched). */
  offset: SourceOffset;
  /** Records fetched and not yet handed out in a batch. */
  available: number;
  /** Per shard, how far behind the tip the last GetRecords was (ms). */
  millisBehindLatest: Record<string, number>;
}

class ShardReader {
  readonly shardId: string;
  readonly parents: string[];
  /** The last sequence number handed out in a batch (or checkpointed); null for none. */
  position: string | null = null;
  /** True once a batch included the shard's end. */
  closed = false;
  buffer: SourceRecord[] = [];
  iterator: string | undefined;
  /** True when GetRecords answered without a next iterator: the shard is closed and all fetched. */
  ended = false;
  lastFetchAt = 0;
  millisBehindLatest: number | undefined;
  /** Trigger.AvailableNow: true once everything that arrived before the bound is fetched. */
  caughtUp = false;
  /** The last GetRecords returned a full page or said it was behind the tip: more is waiting. */
  behind = false;

  constructor(shardId: string, parents: string[]) {
    this.shardId = shardId;
    this.parents = parents;
  }

  /** The last sequence number fetched so far. */
  get fetchedTo(): string | null {
    return this.buffer.at(-1)?.sequenceNumber ?? this.position;
  }
}

/** The source columns of a micro-batch, in order. */
export const SOURCE_SCHEMA: Record<string, pl.DataType> = {
  data: pl.String,
  partitionKey: pl.String,
  stream: pl.String,
  shardId: pl.String,
  sequenceNumber: pl.String,
  approximateArrivalTimestamp: pl.Datetime("us", "UTC"),
};

/**
 * Reads a Kinesis stream shard by shard, as micro-batches between offsets.
 * Call {@linkcode restore} with the last committed offset, then per batch
 * {@linkcode latestOffset} and {@linkcode getBatch}.
 */
export class KinesisSource {
  /** The stream read. */
  readonly streamName: string;
  readonly #kinesis: KinesisClient;
  readonly #startingPosition: StartingPosition;
  readonly #maxRecordsPerFetch: number;
  readonly #minFetchPeriodMs: number;
  readonly #maxFetchDurationMs: number;
  readonly #shardFetchIntervalMs: number;
  readonly #maxBackoffMs: number;
  readonly #availableNowAtMs: number | undefined;
  readonly #readers = new Map<string, ShardReader>();
  #lastListAt = -Infinity;
  /** The fetch started when a batch was handed out, running while that batch is processed. */
  #prefetch: Promise<void> | undefined;
  #prefetchError: unknown;
  /** The signal of the last latestOffset call, which stops a prefetch too. */
  #signal: AbortSignal | undefined;

  /** A source reading `streamName` with `kinesis`. */
  constructor(kinesis: KinesisClient, streamName: string, options: KinesisSourceOptions = {}) {
    const {
      startingPosition = { type: "earliest" },
      maxRecordsPerFetch = DEFAULT_MAX_RECORDS_PER_FETCH,
      minFetchPeriodMs = 400,
      maxFetchDurationMs = 10_000,
      shardFetchIntervalMs = 1_000,
      maxBackoffMs = 5_000,
      availableNowAtMs,
    } = options;
    if (
      !Number.isInteger(maxRecordsPerFetch) || maxRecordsPerFetch < 1 || maxRecordsPerFetch > 10_000
    ) {
      throw new RangeError(
        `Invalid maxRecordsPerFetch ${maxRecordsPerFetch}: expected an integer from 1 to 10000`,
      );
    }
    for (
      const [name, value] of Object.entries({
        minFetchPeriodMs,
        maxFetchDurationMs,
        shardFetchIntervalMs,
        maxBackoffMs,
      })
    ) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`Invalid ${name} ${value}: expected a number of ms >= 0`);
      }
    }
    this.#kinesis = kinesis;
    this.streamName = streamName;
    this.#startingPosition = startingPosition;
    this.#maxRecordsPerFetch = maxRecordsPerFetch;
    this.#minFetchPeriodMs = minFetchPeriodMs;
    this.#maxFetchDurationMs = maxFetchDurationMs;
    this.#shardFetchIntervalMs = shardFetchIntervalMs;
    this.#maxBackoffMs = maxBackoffMs;
    this.#availableNowAtMs = availableNowAtMs;
  }

  /** Sets every shard's position to `offset` (the last committed batch's end), dropping buffers. */
  restore(offset: SourceOffset | null): void {
    this.#readers.clear();
    this.#lastListAt = -Infinity;
    for (const [shardId, shard] of Object.entries(offset?.shards ?? {})) {
      const reader = new ShardReader(shardId, []);
      reader.position = shard.sequenceNumber;
      reader.closed = shard.closed;
      this.#readers.set(shardId, reader);
    }
  }

  /** The current positions (what a batch ending now at nothing new would record). */
  currentOffset(): SourceOffset {
    const shards: SourceOffset["shards"] = {};
    for (const r of this.#readers.values()) {
      shards[r.shardId] = { sequenceNumber: r.position, closed: r.closed };
    }
    return { streamName: this.streamName, shards };
  }

  /**
   * Lists shards when `shardFetchInterval` has passed, fetches new records
   * of every readable shard into its buffer, and returns the offset a batch
   * ending now would have. A parent shard must be closed in a batch before
   * its children are read. Fetching stops early when `signal` aborts.
   */
  async latestOffset(signal?: AbortSignal): Promise<LatestOffset> {
    this.#signal = signal;
    await this.#settlePrefetch();
    await this.#discover(signal);
    const readable = [...this.#readers.values()].filter((r) =>
      !r.closed && !r.caughtUp && this.#parentsClosed(r)
    );
    await Promise.all(readable.map((r) => this.#fill(r, signal)));
    const shards: SourceOffset["shards"] = {};
    const millisBehindLatest: Record<string, number> = {};
    let available = 0;
    for (const r of this.#readers.values()) {
      available += r.buffer.length;
      shards[r.shardId] = { sequenceNumber: r.fetchedTo, closed: r.closed || r.ended };
      if (r.millisBehindLatest !== undefined) millisBehindLatest[r.shardId] = r.millisBehindLatest;
    }
    return { offset: { streamName: this.streamName, shards }, available, millisBehindLatest };
  }

  /**
   * Trigger.AvailableNow: whether every shard is done as of the bound: read
   * to its end and closed in a batch, caught up, or waiting for a parent
   * that is not closed (a child made after the bound, whose records all
   * arrived after it). False before the shards were listed.
   */
  availableNowDone(): boolean {
    if (this.#availableNowAtMs === undefined || this.#lastListAt === -Infinity) return false;
    for (const r of this.#readers.values()) {
      if (r.closed || r.caughtUp || !this.#parentsClosed(r)) continue;
      return false;
    }
    return true;
  }

  #parentsClosed(reader: ShardReader): boolean {
    return reader.parents.every((p) => this.#readers.get(p)?.closed ?? true);
  }

  /**
   * The records after `start` up to and including `end`, shard by shard in
   * sequence order, as a frame with {@linkcode SOURCE_SCHEMA}. Records
   * already fetched are used; others (after a restart) are read again.
   * Afterwards every shard's position is `end`.
   */
  async getBatch(
    start: SourceOffset | null,
    end: SourceOffset,
  ): Promise<{ df: pl.DataFrame; records: SourceRecord[] }> {
    await this.#settlePrefetch();
    const out: SourceRecord[] = [];
    for (const [shardId, target] of Object.entries(end.shards)) {
      let reader = this.#readers.get(shardId);
      const from = start?.shards[shardId]?.sequenceNumber ?? null;
      if (!reader || reader.position !== from) {
        reader = new ShardReader(shardId, reader?.parents ?? []);
        reader.position = from;
        reader.closed = start?.shards[shardId]?.closed ?? false;
        this.#readers.set(shardId, reader);
      }
      if (target.sequenceNumber !== null && target.sequenceNumber !== from) {
        const endSeq = BigInt(target.sequenceNumber);
        while (!reader.buffer.some((r) => BigInt(r.sequenceNumber) >= endSeq)) {
          if (reader.ended) {
            throw new Error(
              `Cannot re-read shard ${shardId} of stream "${this.streamName}" up to sequence number ${target.sequenceNumber}: the shard ended before it (records expired?)`,
            );
          }
          await this.#fetch(reader);
        }
        const cut = reader.buffer.findIndex((r) => BigInt(r.sequenceNumber) > endSeq);
        const taken = cut === -1 ? reader.buffer : reader.buffer.slice(0, cut);
        reader.buffer = cut === -1 ? [] : reader.buffer.slice(cut);
        out.push(...taken);
      }
      reader.position = target.sequenceNumber;
      reader.closed = target.closed;
    }
    this.#startPrefetch();
    return { df: recordsFrame(this.streamName, out), records: out };
  }

  /**
   * While a batch is parsed, cleaned and written, fetches the next records of
   * the shards that are behind (their last GetRecords filled a page or was
   * behind the tip), so that fetching overlaps processing when draining a
   * backlog. Buffers stay bounded by `maxRecordsPerFetch` per shard; a shard
   * that is caught up waits for the next trigger as before. The next
   * latestOffset or getBatch waits for it, and rethrows its error.
   */
  #startPrefetch(): void {
    if (this.#signal?.aborted) return;
    const behind = [...this.#readers.values()].filter((r) =>
      r.behind && !r.closed && !r.caughtUp && !r.ended && this.#parentsClosed(r) &&
      r.buffer.length < this.#maxRecordsPerFetch
    );
    if (!behind.length) return;
    const signal = this.#signal;
    this.#prefetch = Promise.all(behind.map((r) => this.#fill(r, signal))).then(
      () => {},
      (error) => void (this.#prefetchError = error),
    );
  }

  async #settlePrefetch(): Promise<void> {
    if (!this.#prefetch) return;
    await this.#prefetch;
    this.#prefetch = undefined;
    const error = this.#prefetchError;
    this.#prefetchError = undefined;
    if (error !== undefined) throw error;
  }

  async #discover(signal?: AbortSignal): Promise<void> {
    if (performance.now() - this.#lastListAt < this.#shardFetchIntervalMs) return;
    const shards = await retryKinesis(() => listShards(this.#kinesis, this.streamName), {
      streamName: this.streamName,
      signal,
      capMs: this.#maxBackoffMs,
    });
    if (shards === undefined) return;
    this.#lastListAt = performance.now();
    for (const s of shards) {
      const parents = [s.parentShardId, s.adjacentParentShardId].filter((p): p is string => !!p);
      const known = this.#readers.get(s.shardId);
      if (!known) this.#readers.set(s.shardId, new ShardReader(s.shardId, parents));
      else if (known.parents.length === 0 && parents.length > 0) {
        const reader = new ShardReader(s.shardId, parents);
        Object.assign(reader, { ...known, parents });
        this.#readers.set(s.shardId, reader);
      }
    }
  }

  async #fill(reader: ShardReader, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + this.#maxFetchDurationMs;
    while (!reader.ended && reader.buffer.length < this.#maxRecordsPerFetch && !signal?.aborted) {
      const n = await this.#fetch(reader, signal, this.#maxRecordsPerFetch - reader.buffer.length);
      if (n < 0) return;
      if (this.#availableNowAtMs !== undefined) {
        this.#cutAtBound(reader, n);
        if (reader.caughtUp) return;
      }
      if (reader.millisBehindLatest === 0 || performance.now() >= deadline) return;
      if (n === 0 && reader.millisBehindLatest === undefined) return;
    }
  }

  /**
   * Trigger.AvailableNow: drops the records of the last fetch (its `n` last
   * buffered ones) that arrived after the bound and marks the shard caught
   * up when it reached the bound. Every fetch starts after the bound (the
   * query's start), so MillisBehindLatest 0 means all up to it is fetched;
   * caught up needs an empty answer too, as a closed shard answers its last
   * records with MillisBehindLatest 0 and a next iterator, then nothing and
   * no iterator (ended): it must be closed in a batch so its children are
   * read. A shard left caught up and open therefore was open after the
   * bound, and its children hold only records that arrived after it.
   */
  #cutAtBound(reader: ShardReader, n: number): void {
    const bound = this.#availableNowAtMs!;
    const first = reader.buffer.length - n;
    const cut = reader.buffer.findIndex((r, i) =>
      i >= first && r.approximateArrivalTimestampMs > bound
    );
    if (cut !== -1) {
      reader.buffer.length = cut;
      // The next read, if any, starts again after the last record kept.
      reader.iterator = undefined;
      reader.ended = false;
      reader.caughtUp = true;
    } else if (
      !reader.ended &&
      n === 0 && (reader.millisBehindLatest === 0 || reader.millisBehindLatest === undefined)
    ) {
      reader.caughtUp = true;
    }
  }

  /**
   * One GetRecords call on `reader` (after minFetchPeriod) for at most
   * `limit` records; the number of records, or -1 when aborted.
   */
  async #fetch(
    reader: ShardReader,
    signal?: AbortSignal,
    limit: number = this.#maxRecordsPerFetch,
  ): Promise<number> {
    const wait = reader.lastFetchAt + this.#minFetchPeriodMs - performance.now();
    if (wait > 0 && !(await sleep(wait, signal))) return -1;
    for (let attempt = 0;; attempt++) {
      if (signal?.aborted) return -1;
      try {
        reader.iterator ??= await this.#iterator(reader);
        reader.lastFetchAt = performance.now();
        const res: GetRecordsCommandOutput = await this.#kinesis.send(
          new GetRecordsCommand({
            ShardIterator: reader.iterator,
            Limit: limit,
          }),
        );
        for (const r of res.Records ?? []) {
          reader.buffer.push({
            data: r.Data ?? new Uint8Array(),
            partitionKey: r.PartitionKey ?? "",
            shardId: reader.shardId,
            sequenceNumber: r.SequenceNumber ?? "",
            approximateArrivalTimestampMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
          });
        }
        reader.millisBehindLatest = res.MillisBehindLatest;
        reader.behind = (res.Records?.length ?? 0) >= this.#maxRecordsPerFetch ||
          (res.MillisBehindLatest ?? 0) > 0;
        reader.iterator = res.NextShardIterator ?? undefined;
        if (!res.NextShardIterator) reader.ended = true;
        return res.Records?.length ?? 0;
      } catch (error) {
        const name = awsErrorName(error);
        if (name === "ExpiredIteratorException") {
          reader.iterator = undefined;
          continue;
        }
        if (name === "ResourceNotFoundException") {
          throw new StreamNotFoundError(this.streamName, { cause: error });
        }
        if (!isRetryableKinesisError(error)) throw error;
        reader.iterator = undefined;
        if (!(await sleep(backoffMs(attempt, { capMs: this.#maxBackoffMs }), signal))) return -1;
      }
    }
  }

  async #iterator(reader: ShardReader): Promise<string | undefined> {
    const after = reader.fetchedTo;
    const input: GetShardIteratorCommandInput = {
      StreamName: this.streamName,
      ShardId: reader.shardId,
      ShardIteratorType: "TRIM_HORIZON",
    };
    if (after !== null) {
      input.ShardIteratorType = "AFTER_SEQUENCE_NUMBER";
      input.StartingSequenceNumber = after;
    } else if (this.#startingPosition.type === "timestamp") {
      input.ShardIteratorType = "AT_TIMESTAMP";
      input.Timestamp = new Date(this.#startingPosition.timestampMs);
    }
    const res = await this.#kinesis.send(new GetShardIteratorCommand(input));
    return res.ShardIterator;
  }
}

/** A frame of source records with {@linkcode SOURCE_SCHEMA}. */
export function recordsFrame(streamName: string, records: readonly SourceRecord[]): pl.DataFrame {
  const decoder = new TextDecoder();
  return pl.DataFrame([
    pl.Series("data", records.map((r) => decoder.decode(r.data)), pl.String),
    pl.Series("partitionKey", records.map((r) => r.partitionKey), pl.String),
    pl.Series("stream", records.map(() => streamName), pl.String),
    pl.Series("shardId", records.map((r) => r.shardId), pl.String),
    pl.Series("sequenceNumber", records.map((r) => r.sequenceNumber), pl.String),
    pl.Series(
      "approximateArrivalTimestamp",
      records.map((r) => r.approximateArrivalTimestampMs),
      pl.Int64,
    ).cast(pl.Datetime("ms")).cast(pl.Datetime("us", "UTC")),
  ]);
}
