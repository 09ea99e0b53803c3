/**
 * Parsing a micro-batch's payloads: each record's bytes are decoded as
 * UTF-8, parsed as JSON and checked against the zod schema of its record
 * kind. A record that fails becomes a quarantined record (its exact payload, where
 * it came from, the stage it failed at and why), a row of the quarantine
 * table; the others go on to cleaning. Nothing here throws on bad data.
 *
 * @module
 */
import pl from "nodejs-polars";
import { RECORD_SCHEMAS, type RecordKind } from "../records.ts";

/** The stage a record failed at. */
export type QuarantineStage = "parse" | "validate" | "transform";

/** A record that could not be processed, with where it came from and why. */
export interface QuarantinedRecord {
  /** The record's payload, the exact bytes Kinesis returned. */
  data: Uint8Array;
  partitionKey: string;
  stream: string;
  shardId: string;
  sequenceNumber: string;
  /** Arrival time in ms since the epoch. */
  approximateArrivalTimestampMs: number;
  stage: QuarantineStage;
  reason: string;
}

/**
 * The columns of a quarantine table (`<table>_quarantine`), in order.
 *
 * Every row keeps the record's payload losslessly and its full Kinesis
 * provenance, whatever the stage it failed at:
 * - `data_base64`: the payload's exact bytes, base64 (standard alphabet,
 *   padded). Always set: decode it to get back what the producer put, byte
 *   for byte. (Base64 text because the Delta writer has no binary column.)
 * - `data`: the same payload as text when it is valid UTF-8 (then it is
 *   exactly the text the producer sent), null when it is not.
 * - `partitionKey`, `stream`, `shardId`, `sequenceNumber`,
 *   `approximateArrivalTimestamp`: where and when it arrived.
 * - `stage` (`parse`, `validate` or `transform`) and `reason`: why it was
 *   set aside.
 */
export const QUARANTINE_SCHEMA: Record<string, pl.DataType> = {
  data: pl.String,
  data_base64: pl.String,
  partitionKey: pl.String,
  stream: pl.String,
  shardId: pl.String,
  sequenceNumber: pl.String,
  approximateArrivalTimestamp: pl.Datetime("us", "UTC"),
  stage: pl.String,
  reason: pl.String,
};

/** What {@linkcode parseBatch} returns. */
export interface ParsedBatch {
  /** The valid records, parsed, in batch order. */
  records: Record<string, unknown>[];
  /** For each of `records`, its row in the batch (for {@linkcode quarantinedRecordOf}). */
  rows: number[];
  /** The records that failed, one quarantined record each. */
  quarantined: QuarantinedRecord[];
}

/** Options of {@linkcode parseBatch} and {@linkcode quarantinedRecordOf}. */
export interface ParseBatchOptions {
  /**
   * The exact payload of each row of the batch, in row order (what the
   * query gives a transform as `context.records`). Default: the UTF-8
   * bytes of the `data` column, which lose the original bytes of a payload
   * that was not valid UTF-8.
   */
  payloads?: readonly Uint8Array[];
}

/** Longest reason kept (a zod report of a huge object can be long). */
const MAX_REASON = 1_000;

/**
 * Parses the records of a source batch against the schema of `kind`: the
 * exact `payloads` when given (a payload that is not UTF-8 is a parse
 * failure), otherwise the `data` column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { parseBatch } from "./parse.ts";
 * const batch = pl.DataFrame({
 *   data: ['{"ind": 1, "first_name": "A", "last_name": "B", "age": 3, "date_joined": null}', "nope"],
 *   partitionKey: ["k1", "k2"], stream: ["s", "s"], shardId: ["a", "a"],
 *   sequenceNumber: ["1", "2"], approximateArrivalTimestamp: [0, 0],
 * });
 * const { records, quarantined } = parseBatch("user", batch);
 * assert.equal(records.length, 1);
 * assert.equal(quarantined[0]?.stage, "parse");
 * ```
 */
export function parseBatch(
  kind: RecordKind,
  batch: pl.DataFrame,
  options: ParseBatchOptions = {},
): ParsedBatch {
  const schema = RECORD_SCHEMAS[kind];
  if (!schema) throw new TypeError(`Cannot parse a batch: unknown record kind "${kind}"`);
  const quarantine = quarantinedRecordOf(batch, options);
  const records: Record<string, unknown>[] = [];
  const rows: number[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (let i = 0; i < batch.height; i++) {
    let text: string;
    try {
      text = UTF8.decode(quarantine.payload(i));
    } catch {
      quarantined.push(quarantine(i, "parse", "Not UTF-8 text"));
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      quarantined.push(quarantine(i, "parse", `Not JSON: ${(error as Error).message}`));
      continue;
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.map((issue) =>
        `${issue.path.length ? issue.path.join(".") : "(record)"}: ${issue.message}`
      );
      quarantined.push(
        quarantine(i, "validate", `Does not match the ${kind} schema: ${issues.join("; ")}`),
      );
      continue;
    }
    records.push(result.data as Record<string, unknown>);
    rows.push(i);
  }
  return { records, rows, quarantined };
}

/** Builds the quarantined record of one row of a batch; `payload(row)` is that row's exact bytes. */
export interface QuarantinedRecordBuilder {
  (row: number, stage: QuarantineStage, reason: string): QuarantinedRecord;
  /** The exact payload of `row`. */
  payload(row: number): Uint8Array;
}

/**
 * The quarantined-record constructor of a source batch (a frame with
 * the source columns): a row's quarantined record carries its exact payload
 * and its Kinesis provenance, whatever the stage that set it aside.
 */
export function quarantinedRecordOf(
  batch: pl.DataFrame,
  options: ParseBatchOptions = {},
): QuarantinedRecordBuilder {
  const { payloads } = options;
  if (payloads !== undefined && payloads.length !== batch.height) {
    throw new RangeError(
      `Cannot quarantine records of a batch of ${batch.height} rows: ${payloads.length} payloads given`,
    );
  }
  // The columns become JS arrays only when they are needed: the payloads
  // usually come from the source, and most batches quarantine nothing.
  const column = (name: string) => batch.getColumn(name).toArray() as unknown[];
  let data: (string | null)[] | undefined;
  let provenance:
    | { keys: string[]; streams: string[]; shards: string[]; seqs: string[]; arrivals: number[] }
    | undefined;
  const encoder = new TextEncoder();
  const payload = (row: number) =>
    payloads?.[row] ?? encoder.encode((data ??= column("data") as (string | null)[])[row] ?? "");
  const build = (row: number, stage: QuarantineStage, reason: string): QuarantinedRecord => {
    const { keys, streams, shards, seqs, arrivals } = provenance ??= {
      keys: column("partitionKey") as string[],
      streams: column("stream") as string[],
      shards: column("shardId") as string[],
      seqs: column("sequenceNumber") as string[],
      arrivals: column("approximateArrivalTimestamp").map(toMs),
    };
    return {
      data: payload(row),
      partitionKey: keys[row] ?? "",
      stream: streams[row] ?? "",
      shardId: shards[row] ?? "",
      sequenceNumber: seqs[row] ?? "",
      approximateArrivalTimestampMs: arrivals[row] ?? 0,
      stage,
      reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason,
    };
  };
  return Object.assign(build, { payload });
}

/** A frame of quarantined records with {@linkcode QUARANTINE_SCHEMA}. */
export function quarantineFrame(quarantined: readonly QuarantinedRecord[]): pl.DataFrame {
  const col = <K extends keyof QuarantinedRecord>(name: K) => quarantined.map((d) => d[name]);
  return pl.DataFrame([
    pl.Series("data", quarantined.map((d) => utf8OrNull(d.data)), pl.String),
    pl.Series("data_base64", quarantined.map((d) => base64(d.data)), pl.String),
    pl.Series("partitionKey", col("partitionKey"), pl.String),
    pl.Series("stream", col("stream"), pl.String),
    pl.Series("shardId", col("shardId"), pl.String),
    pl.Series("sequenceNumber", col("sequenceNumber"), pl.String),
    pl.Series("approximateArrivalTimestamp", col("approximateArrivalTimestampMs"), pl.Int64)
      .cast(pl.Datetime("ms")).cast(pl.Datetime("us", "UTC")),
    pl.Series("stage", col("stage"), pl.String),
    pl.Series("reason", col("reason"), pl.String),
  ]);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return 0;
}
