/**
 * Shared helpers of the streaming tests: source rows, putting records,
 * and reading tables back.
 *
 * @module
 */
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import pl from "nodejs-polars";
import { join } from "node:path";
import { ROOT } from "../_helpers.ts";
import { DeltaTable } from "../../lib/delta/mod.ts";
import type { RecordKind } from "../../lib/records.ts";

/** The first `n` rows of the project's generated source data of `kind`. */
export async function sourceRows(kind: RecordKind, n: number): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(join(ROOT, "data", "pinterest", `${kind}.ndjson`));
  return text.split("\n").filter((l) => l.trim()).slice(0, n).map((l) => JSON.parse(l));
}

/** Puts raw payloads (strings or bytes) into `stream` with PutRecords, 500 at a time; returns [partitionKey, sequenceNumber] pairs. */
export async function putRaw(
  kinesis: KinesisClient,
  stream: string,
  payloads: readonly (string | Uint8Array)[],
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < payloads.length; i += 500) {
    const chunk = payloads.slice(i, i + 500).map((p) => ({
      Data: typeof p === "string" ? encoder.encode(p) : p,
      PartitionKey: crypto.randomUUID(),
    }));
    let pending = chunk;
    while (pending.length) {
      const res = await kinesis.send(
        new PutRecordsCommand({ StreamName: stream, Records: pending }),
      );
      const retry: typeof pending = [];
      res.Records?.forEach((r, j) => {
        if (r.ErrorCode) retry.push(pending[j]!);
        else out.push([pending[j]!.PartitionKey, r.SequenceNumber!]);
      });
      pending = retry;
    }
  }
  return out;
}

/** Puts records as JSON. */
export function putJson(
  kinesis: KinesisClient,
  stream: string,
  records: readonly unknown[],
): Promise<[string, string][]> {
  return putRaw(kinesis, stream, records.map((r) => JSON.stringify(r)));
}

/** The rows of a Delta table, or an empty frame when it does not exist. */
export async function readTable(path: string): Promise<pl.DataFrame> {
  if (!(await DeltaTable.exists(path))) return pl.DataFrame();
  return await (await DeltaTable.open(path)).read();
}

/** Rows of a frame as sorted JSON lines, to compare frames as sets of rows. */
export function rowSet(df: pl.DataFrame): string[] {
  const columns = [...df.columns].sort();
  return df.select(...columns).toRecords().map((r) =>
    JSON.stringify(
      r,
      (_k, v) => typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : v,
    )
  ).sort();
}
