/**
 * `deno task bench stream`: the streaming query's end-to-end freshness and
 * drain rate, against the local Kinesis emulator.
 *
 * 1. Freshness: for each rate in `--rates`, pin records are put for
 *    `--duration` at that steady rate (PutRecords every 100 ms) while a
 *    query (trigger `--trigger`) appends them to a Delta table. A record's
 *    freshness is the time from its PutRecords answer to the commit of the
 *    batch holding it (when it is readable in the table): p50, p99, and
 *    committed rows/s.
 * 2. Drain: the same stream read again from the start by a new available-now
 *    query, and by raw GetRecords calls (shards in parallel, 10,000 per
 *    call): rows/s of each and their ratio.
 *
 * Records are put with the SDK directly, not through the API proxy (its cost
 * is `deno task bench produce`'s).
 *
 * @module
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { join } from "node:path";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { startEmulator } from "../lib/kinesis/emulator.ts";
import { createStream, listShards } from "../lib/kinesis/admin.ts";
import { CLEAN_SCHEMAS } from "../lib/clean/mod.ts";
import { cleanTransform, readStream } from "../lib/stream/mod.ts";
import { durationFlag, parseFlags } from "../cli/_args.ts";
import { UsageError } from "../cli/_args.ts";

const USAGE = `Usage: deno task bench stream [-- --rates 200,1000 --duration 20s --trigger 250ms]

Measures end-to-end freshness (put answered -> row committed in Delta, p50/p99)
and committed rows/s at steady rates, then the query's drain rate against raw
GetRecords on the same data.`;

/** Runs the benchmark with command-line `args`. */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    rates: { type: "string", help: "rows/s to post, comma-separated (default 200,1000)" },
    duration: { type: "string", help: "how long to post at each rate (default 20s)" },
    trigger: { type: "string", help: "the query's processing-time trigger (default 250ms)" },
  }, USAGE);
  const rates = String(flags.rates ?? "200,1000").split(",").map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isInteger(r) || r < 10 || r > 50_000)) {
    throw new UsageError(`Invalid --rates "${flags.rates}": expected integers from 10 to 50000`);
  }
  const durationMs = durationFlag("duration", flags.duration) ?? 20_000;
  const triggerMs = durationFlag("trigger", flags.trigger) ?? 250;
  const rows = (await Deno.readTextFile(new URL("../data/pinterest/pin.ndjson", import.meta.url)))
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);

  const emulator = await startEmulator();
  const kinesis = createKinesisClient({ endpoint: emulator.endpoint });
  const dir = await Deno.makeTempDir({ prefix: "pinstream-bench-stream-" });
  try {
    for (const rate of rates) {
      const stream = `bench-stream-${rate}`;
      await createStream(kinesis, stream);
      const putAt = new Map<number, number>();
      const freshness: number[] = [];
      const pending = new Map<number, number[]>();
      const transform = cleanTransform("pin");
      const query = await readStream({
        format: "kinesis",
        streamName: stream,
        kinesis,
        initialPosition: "earliest",
        minFetchPeriod: Math.min(200, triggerMs),
      }).writeStream({
        checkpointLocation: join(dir, `cp-${rate}`),
        path: join(dir, `table-${rate}`),
        trigger: { processingTime: triggerMs },
        schema: CLEAN_SCHEMAS.pin,
        transform: async (batch, context) => {
          const out = await transform(batch, context);
          const df = "height" in out ? out : out.df;
          pending.set(context.batchId, (df.getColumn("ind").toArray() as number[]).map(Number));
          return out;
        },
        onProgress: (p) => {
          const now = performance.now();
          for (const ind of pending.get(p.batchId) ?? []) {
            const at = putAt.get(ind);
            if (at !== undefined) freshness.push(now - at);
          }
          pending.delete(p.batchId);
        },
      }).start();
      const started = performance.now();
      let sent = 0;
      while (performance.now() - started < durationMs) {
        const due = Math.floor((performance.now() - started) / 1000 * rate);
        const chunk: Record<string, unknown>[] = [];
        while (sent < due && chunk.length < 500) {
          chunk.push({ ...rows[sent % rows.length], index: sent });
          sent++;
        }
        if (chunk.length) await put(kinesis, stream, chunk, putAt);
        await new Promise((r) => setTimeout(r, 100));
      }
      const postedFor = performance.now() - started;
      await query.processAllAvailable();
      const committedFor = performance.now() - started;
      await query.stop();
      freshness.sort((a, b) => a - b);
      const pct = (q: number) =>
        freshness[Math.min(freshness.length - 1, Math.floor(q * freshness.length))] ?? NaN;
      console.log(
        `rate ${rate} rows/s for ${
          (postedFor / 1000).toFixed(0)
        } s: posted ${sent}, committed ${freshness.length}` +
          ` (${(freshness.length / (committedFor / 1000)).toFixed(0)} rows/s); freshness p50 ${
            pct(0.5).toFixed(0)
          } ms, p99 ${pct(0.99).toFixed(0)} ms (trigger ${triggerMs} ms)`,
      );

      const d0 = performance.now();
      const drain = await readStream({
        format: "kinesis",
        streamName: stream,
        kinesis,
        initialPosition: "earliest",
        minFetchPeriod: 0,
      }).writeStream({
        checkpointLocation: join(dir, `drain-cp-${rate}`),
        path: join(dir, `drain-${rate}`),
        trigger: { availableNow: true },
        schema: CLEAN_SCHEMAS.pin,
        transform: cleanTransform("pin"),
      }).start();
      await drain.awaitTermination();
      const ours = sent / ((performance.now() - d0) / 1000);
      const r0 = performance.now();
      const rawRows = await rawDrain(kinesis, stream);
      const raw = rawRows / ((performance.now() - r0) / 1000);
      console.log(
        `drain of ${sent} rows: query ${ours.toFixed(0)} rows/s, raw GetRecords ${
          raw.toFixed(0)
        } rows/s, ratio ${(ours / raw).toFixed(2)}`,
      );
    }
  } finally {
    kinesis.destroy();
    await emulator.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function put(
  kinesis: KinesisClient,
  stream: string,
  records: Record<string, unknown>[],
  putAt: Map<number, number>,
): Promise<void> {
  const encoder = new TextEncoder();
  let pending = records;
  while (pending.length) {
    const res = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: pending.map((r) => ({
          Data: encoder.encode(JSON.stringify(r)),
          PartitionKey: crypto.randomUUID(),
        })),
      }),
    );
    const now = performance.now();
    const retry: Record<string, unknown>[] = [];
    res.Records?.forEach((r, i) => {
      if (r.ErrorCode) retry.push(pending[i]!);
      else putAt.set(pending[i]!.index as number, now);
    });
    pending = retry;
  }
}

async function rawDrain(kinesis: KinesisClient, stream: string): Promise<number> {
  const counts = await Promise.all((await listShards(kinesis, stream)).map(async (shard) => {
    let n = 0;
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    while (iterator) {
      const res = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      n += res.Records?.length ?? 0;
      if (res.MillisBehindLatest === 0) break;
      iterator = res.NextShardIterator;
    }
    return n;
  }));
  return counts.reduce((a, b) => a + b, 0);
}
