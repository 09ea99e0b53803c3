/**
 * Stream administration: create, wait until ACTIVE, list, describe, delete,
 * and `ensureStreams` for the pipeline's three streams.
 *
 * @module
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandOutput,
  ListStreamsCommand,
  type Shard,
} from "@aws-sdk/client-kinesis";
import { RECORD_KINDS, type RecordKind } from "../records.ts";
import { streamNames } from "../config.ts";
import { awsErrorName, StreamNotFoundError } from "./errors.ts";
import { sleep } from "../_util/sleep.ts";
import {
  type DisplayBundle,
  displayBundle,
  escapeHtml,
  htmlTable,
  JUPYTER_DISPLAY,
} from "../jupyter.ts";

/** The names Kinesis allows for a stream. */
export const STREAM_NAME_PATTERN: RegExp = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Throws a TypeError unless `name` is a valid stream name. */
export function assertStreamName(name: string): void {
  if (!STREAM_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `Invalid stream name "${name}": name must match [a-zA-Z0-9_.-]+ (1 to 128 characters)`,
    );
  }
}

/**
 * The shards of a new ON_DEMAND stream on kinesis-local, and of the
 * provisioned stream {@linkcode createStream} makes instead on an emulator
 * without ON_DEMAND mode (kinesalite).
 */
export const ON_DEMAND_SHARD_COUNT = 4;

/** Whether a CreateStream failed because the service requires a shard count (no ON_DEMAND). */
function lacksOnDemand(error: unknown): boolean {
  return awsErrorName(error) === "ValidationException" &&
    /shardCount/i.test((error as Error)?.message ?? "");
}

/** Options of {@linkcode createStream}. */
export interface CreateStreamOptions {
  /** Provisioned mode with this many shards; default: ON_DEMAND mode. */
  shardCount?: number;
  /** Wait until the stream is ACTIVE (default true). */
  wait?: boolean;
  /** How long to wait for ACTIVE, in ms (default 60000). */
  timeoutMs?: number;
}

/**
 * Creates a stream, ON_DEMAND unless a shard count is given, and by default
 * waits until it is ACTIVE. Where the service has no ON_DEMAND mode
 * (kinesalite) the stream is provisioned with {@linkcode ON_DEMAND_SHARD_COUNT}
 * shards instead.
 */
export async function createStream(
  kinesis: KinesisClient,
  name: string,
  options: CreateStreamOptions = {},
): Promise<StreamDescription | undefined> {
  const { shardCount, wait = true, timeoutMs = 60_000 } = options;
  assertStreamName(name);
  if (shardCount !== undefined && (!Number.isInteger(shardCount) || shardCount < 1)) {
    throw new RangeError(
      `Cannot create stream "${name}": shard count must be a positive integer, got ${shardCount}`,
    );
  }
  if (shardCount !== undefined) {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  } else {
    try {
      await kinesis.send(
        new CreateStreamCommand({
          StreamName: name,
          StreamModeDetails: { StreamMode: "ON_DEMAND" },
        }),
      );
    } catch (error) {
      if (!lacksOnDemand(error)) throw error;
      // An emulator without ON_DEMAND (kinesalite) gets the shards ON_DEMAND would have.
      await kinesis.send(
        new CreateStreamCommand({ StreamName: name, ShardCount: ON_DEMAND_SHARD_COUNT }),
      );
    }
  }
  return wait ? await waitForActive(kinesis, name, { timeoutMs }) : undefined;
}

/** Options of {@linkcode waitForActive}. */
export interface WaitOptions {
  /** Give up after this many ms (default 60000). */
  timeoutMs?: number;
  /** Poll interval in ms (default 100). */
  intervalMs?: number;
}

/** Polls until the stream is ACTIVE; throws a timeout error after `timeoutMs`. */
export async function waitForActive(
  kinesis: KinesisClient,
  name: string,
  options: WaitOptions = {},
): Promise<StreamDescription> {
  const { timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let status = "";
  while (true) {
    try {
      const description = await describeStream(kinesis, name);
      status = description.status;
      if (status === "ACTIVE") return description;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
      status = "absent";
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Stream "${name}" did not become ACTIVE within ${timeoutMs} ms (last status ${status})`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Lists every stream name (all pages). */
export async function listStreams(kinesis: KinesisClient): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  while (true) {
    const out = await kinesis.send(
      new ListStreamsCommand(
        token ? { NextToken: token } : { ExclusiveStartStreamName: names.at(-1), Limit: 100 },
      ),
    );
    const page = out.StreamNames ?? [];
    names.push(...page);
    // An empty page ends the listing too: a server that keeps saying "more"
    // without names cannot make it loop.
    if (!out.HasMoreStreams || page.length === 0) return names;
    token = out.NextToken;
  }
}

/** One shard of a stream, as {@linkcode describeStream} reports it. */
export interface ShardInfo {
  shardId: string;
  parentShardId: string | undefined;
  adjacentParentShardId: string | undefined;
  startingHashKey: string;
  endingHashKey: string;
  startingSequenceNumber: string;
  /** Set once the shard is closed (after a split or merge). */
  endingSequenceNumber: string | undefined;
}

/** A stream's summary and shards. */
export class StreamDescription {
  /** Creates a description from its parts. */
  constructor(
    readonly name: string,
    readonly arn: string,
    readonly status: string,
    readonly mode: string,
    readonly retentionHours: number,
    readonly createdAt: Date | undefined,
    readonly openShardCount: number,
    readonly shards: ShardInfo[],
  ) {}

  /** A Jupyter HTML face: the summary, then a table of shards. */
  [JUPYTER_DISPLAY](): DisplayBundle {
    const rows = this.shards.map((s) => [
      s.shardId,
      s.parentShardId ?? "",
      s.startingHashKey,
      s.endingHashKey,
      s.endingSequenceNumber ? "closed" : "open",
    ]);
    const headers = ["shard", "parent", "starting hash key", "ending hash key", "state"];
    return displayBundle(
      `<p><b>${escapeHtml(this.name)}</b>: ${escapeHtml(this.status)}, ${
        escapeHtml(this.mode)
      }, ${this.openShardCount} open shards, retention ${this.retentionHours} h</p>` +
        htmlTable(headers, rows),
      `${this.name}: ${this.status}, ${this.mode}, ${this.openShardCount} open shards`,
    );
  }
}

/** Describes a stream: its summary and all its shards (open and closed). */
export async function describeStream(
  kinesis: KinesisClient,
  name: string,
): Promise<StreamDescription> {
  assertStreamName(name);
  try {
    const { StreamDescriptionSummary: s } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (!s) throw new Error(`Kinesis returned no description for stream "${name}"`);
    const shards = s.StreamStatus === "CREATING" ? [] : await listShards(kinesis, name);
    return new StreamDescription(
      s.StreamName ?? name,
      s.StreamARN ?? "",
      s.StreamStatus ?? "UNKNOWN",
      s.StreamModeDetails?.StreamMode ?? "PROVISIONED",
      s.RetentionPeriodHours ?? 24,
      s.StreamCreationTimestamp,
      s.OpenShardCount ?? shards.filter((x) => !x.endingSequenceNumber).length,
      shards,
    );
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") {
      throw new StreamNotFoundError(name, { cause: error });
    }
    throw error;
  }
}

/** Lists a stream's shards (all pages), open and closed. */
export async function listShards(kinesis: KinesisClient, name: string): Promise<ShardInfo[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const out: ListShardsCommandOutput = await kinesis.send(
      new ListShardsCommand(token ? { NextToken: token } : { StreamName: name }),
    );
    shards.push(...(out.Shards ?? []));
    token = out.NextToken;
  } while (token);
  return shards.map((s) => ({
    shardId: s.ShardId ?? "",
    parentShardId: s.ParentShardId,
    adjacentParentShardId: s.AdjacentParentShardId,
    startingHashKey: s.HashKeyRange?.StartingHashKey ?? "",
    endingHashKey: s.HashKeyRange?.EndingHashKey ?? "",
    startingSequenceNumber: s.SequenceNumberRange?.StartingSequenceNumber ?? "",
    endingSequenceNumber: s.SequenceNumberRange?.EndingSequenceNumber,
  }));
}

/** Options of {@linkcode deleteStream}. */
export interface DeleteStreamOptions {
  /** Wait until the stream is gone (default true). */
  wait?: boolean;
  /** How long to wait, in ms (default 60000). */
  timeoutMs?: number;
}

/** Deletes a stream and by default waits until it is gone. */
export async function deleteStream(
  kinesis: KinesisClient,
  name: string,
  options: DeleteStreamOptions = {},
): Promise<void> {
  const { wait = true, timeoutMs = 60_000 } = options;
  assertStreamName(name);
  try {
    await kinesis.send(
      new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }),
    );
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") {
      throw new StreamNotFoundError(name, { cause: error });
    }
    throw error;
  }
  if (!wait) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await describeStream(kinesis, name);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw error;
    }
    await sleep(100);
  }
  throw new Error(`Stream "${name}" was not deleted within ${timeoutMs} ms`);
}

/** Options of {@linkcode ensureStreams}. */
export interface EnsureStreamsOptions {
  /** Shard count for streams it creates; default ON_DEMAND. */
  shardCount?: number;
  /** How long to wait for ACTIVE, in ms (default 60000). */
  timeoutMs?: number;
}

/**
 * Creates the pipeline's pin, geo and user streams for `userId` where they
 * are missing, and waits until all three are ACTIVE. Safe to call again.
 */
export async function ensureStreams(
  kinesis: KinesisClient,
  userId: string,
  options: EnsureStreamsOptions = {},
): Promise<Record<RecordKind, StreamDescription>> {
  const { shardCount, timeoutMs = 60_000 } = options;
  const names = streamNames(userId);
  const existing = new Set(await listStreams(kinesis));
  const descriptions = await Promise.all(RECORD_KINDS.map(async (kind) => {
    const name = names[kind];
    if (!existing.has(name)) {
      try {
        await createStream(kinesis, name, { shardCount, wait: false });
      } catch (error) {
        if (awsErrorName(error) !== "ResourceInUseException") throw error;
      }
    }
    return await waitForActive(kinesis, name, { timeoutMs });
  }));
  // Keys in pin, geo, user order, whatever order the streams became ACTIVE in.
  return Object.fromEntries(RECORD_KINDS.map((kind, i) => [kind, descriptions[i]!])) as Record<
    RecordKind,
    StreamDescription
  >;
}
