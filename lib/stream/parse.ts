/**
 * Parsing a micro-batch's `data` column: each record's JSON text is parsed
 * and checked against the zod schema of its record kind. A record that
 * fails becomes a dead letter (raw data, where it came from, the stage it
 * failed at and why), a row of the quarantine table; the others go on to
 * cleaning. Nothing here throws on bad data.
 *
 * @module
 */
import pl from "nodejs-polars";
import { RECORD_SCHEMAS, type RecordKind } from "../records.ts";
import { SOURCE_SCHEMA } from "./source.ts";

/** The stage a record failed at. */
export type DeadLetterStage = "parse" | "validate" | "transform";

/** A record that could not be processed, with where it came from and why. */
export interface DeadLetter {
  data: string;
  partitionKey: string;
  stream: string;
  shardId: string;
  sequenceNumber: string;
  /** Arrival time in ms since the epoch. */
  approximateArrivalTimestampMs: number;
  stage: DeadLetterStage;
  reason: string;
}

/** The columns of a quarantine table (`<table>_quarantine`), in order. */
export const QUARANTINE_SCHEMA: Record<string, pl.DataType> = {
  // The raw record as the source gave it, then why it was set aside.
  ...SOURCE_SCHEMA,
  stage: pl.String,
  reason: pl.String,
};

/** What {@linkcode parseBatch} returns. */
export interface ParsedBatch {
  /** The valid records, parsed, in batch order. */
  records: Record<string, unknown>[];
  /** The records that failed, one dead letter each. */
  deadLetters: DeadLetter[];
}

/** Longest reason kept (a zod report of a huge object can be long). */
const MAX_REASON = 1_000;

/**
 * Parses the `data` column of a source batch against the schema of `kind`.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { parseBatch } from "./parse.ts";
 * const batch = pl.DataFrame({
 *   data: ['{"ind": 1, "first_name": "A", "last_name": "B", "age": 3, "date_joined": null}', "nope"],
 *   partitionKey: ["k1", "k2"], stream: ["s", "s"], shardId: ["a", "a"],
 *   sequenceNumber: ["1", "2"], approximateArrivalTimestamp: [0, 0],
 * });
 * const { records, deadLetters } = parseBatch("user", batch);
 * console.assert(records.length === 1 && deadLetters[0]?.stage === "parse");
 * ```
 */
export function parseBatch(kind: RecordKind, batch: pl.DataFrame): ParsedBatch {
  const schema = RECORD_SCHEMAS[kind];
  if (!schema) throw new TypeError(`Cannot parse a batch: unknown record kind "${kind}"`);
  const column = (name: string) => batch.getColumn(name).toArray() as unknown[];
  const data = column("data") as string[];
  const keys = column("partitionKey") as string[];
  const streams = column("stream") as string[];
  const shards = column("shardId") as string[];
  const seqs = column("sequenceNumber") as string[];
  const arrivals = column("approximateArrivalTimestamp").map(toMs);
  const records: Record<string, unknown>[] = [];
  const deadLetters: DeadLetter[] = [];
  for (let i = 0; i < data.length; i++) {
    const letter = (stage: DeadLetterStage, reason: string): DeadLetter => ({
      data: data[i] ?? "",
      partitionKey: keys[i] ?? "",
      stream: streams[i] ?? "",
      shardId: shards[i] ?? "",
      sequenceNumber: seqs[i] ?? "",
      approximateArrivalTimestampMs: arrivals[i] ?? 0,
      stage,
      reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason,
    });
    let value: unknown;
    try {
      value = JSON.parse(data[i] ?? "");
    } catch (error) {
      deadLetters.push(letter("parse", `Not JSON: ${(error as Error).message}`));
      continue;
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.map((issue) =>
        `${issue.path.length ? issue.path.join(".") : "(record)"}: ${issue.message}`
      );
      deadLetters.push(
        letter("validate", `Does not match the ${kind} schema: ${issues.join("; ")}`),
      );
      continue;
    }
    records.push(result.data as Record<string, unknown>);
  }
  return { records, deadLetters };
}

/** A frame of dead letters with {@linkcode QUARANTINE_SCHEMA}. */
export function quarantineFrame(deadLetters: readonly DeadLetter[]): pl.DataFrame {
  const col = <K extends keyof DeadLetter>(name: K) => deadLetters.map((d) => d[name]);
  return pl.DataFrame([
    pl.Series("data", col("data"), pl.String),
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

function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return 0;
}
