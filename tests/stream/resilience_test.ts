import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type KinesisClient,
  PutRecordsCommand,
  UpdateShardCountCommand,
} from "@aws-sdk/client-kinesis";
import pl from "nodejs-polars";
import { createStream, listShards, waitForActive } from "../../lib/kinesis/admin.ts";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { freePort, startEmulator } from "../../lib/kinesis/emulator.ts";
import { readStream } from "../../lib/stream/mod.ts";
import type {
  BatchTransform,
  ReadStreamOptions,
  WriteStreamOptions,
} from "../../lib/stream/mod.ts";
import { KINESIS_TEST, readAll, startKinesis } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";
import { sleep } from "../../lib/_util/sleep.ts";
import { putRaw, readTable } from "./_fixtures.ts";

/** The source columns plus the batch id and each row's position in its batch. */
const withBatchOrder: BatchTransform = (df, { batchId }) =>
  df.withColumns(
    pl.lit(batchId).cast(pl.Int64).alias("batchId"),
    pl.Series("row", [...Array(df.height).keys()], pl.Int64),
  );

function column<T>(df: pl.DataFrame, name: string): T[] {
  return df.getColumn(name).toArray() as T[];
}

/** `shardId/sequenceNumber` of each row. */
function recordIds(df: pl.DataFrame): string[] {
  const shards = column<string>(df, "shardId");
  return column<string>(df, "sequenceNumber").map((s, i) => `${shards[i]}/${s}`);
}

function assertNoDuplicate(ids: string[], what: string): void {
  assert.equal(new Set(ids).size, ids.length, `${what} holds a record twice`);
}

/**
 * Puts one record per key with `{key, n}` (n counts per key), all in one
 * PutRecords, retrying the failed ones before returning: a key's record n
 * is in the stream before its record n + 1 is put.
 */
async function putRound(
  kinesis: KinesisClient,
  stream: string,
  keys: readonly string[],
  counters: Map<string, number>,
): Promise<void> {
  let pending = keys.map((key) => {
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    return { PartitionKey: key, Data: new TextEncoder().encode(JSON.stringify({ key, n })) };
  });
  while (pending.length) {
    const res = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
    pending = pending.filter((_, i) => res.Records?.[i]?.ErrorCode);
  }
}

function readOptions(kinesis: KinesisClient, streamName: string): ReadStreamOptions {
  return {
    format: "kinesis",
    streamName,
    kinesis,
    initialPosition: "earliest",
    minFetchPeriod: 50,
    shardFetchInterval: 200,
  };
}

function writeOptions(dir: string, extra: Partial<WriteStreamOptions> = {}): WriteStreamOptions {
  return {
    format: "delta",
    checkpointLocation: join(dir, "checkpoint"),
    path: join(dir, "table"),
    trigger: { processingTime: 200 },
    ...extra,
  };
}

Deno.test({
  name: "streaming queries under continuous arrivals, resharding and idle streams",
  ...KINESIS_TEST,
  async fn(t) {
    const fx = await startKinesis();
    const kinesis = fx.kinesis;
    try {
      await t.step(
        "available-now processes what the stream held at its start and stops while records keep coming",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "now", { shardCount: 2 });
            const payloads = (from: number, n: number) =>
              Array.from({ length: n }, (_, i) => JSON.stringify({ i: from + i }));
            const put = await putRaw(kinesis, "now", payloads(0, 600));
            let producing = true;
            let next = 600;
            const producer = (async () => {
              while (producing) {
                put.push(...await putRaw(kinesis, "now", payloads(next, 20)));
                next += 20;
                await sleep(20);
              }
            })();
            try {
              await sleep(300);
              const beforeStart = put.map(([, s]) => s);
              const query = await readStream({
                ...readOptions(kinesis, "now"),
                maxRecordsPerFetch: 100,
              })
                .writeStream(writeOptions(dir, { trigger: { availableNow: true } })).start();
              const startedMs = Date.now();
              // A guard against hanging, not a timing check: before, this query never stopped.
              assert.equal(await query.awaitTermination(30_000), true, "the query did not stop");
              assert.equal(query.isActive, false);
              const table = await readTable(join(dir, "table"));
              const seqs = column<string>(table, "sequenceNumber");
              assertNoDuplicate(recordIds(table), "the table");
              const inTable = new Set(seqs);
              assert.deepEqual(beforeStart.filter((s) => !inTable.has(s)), []);
              // Nothing that arrived after the query started is included.
              for (const at of column<Date>(table, "approximateArrivalTimestamp")) {
                assert.ok(at.getTime() <= startedMs, `a record arrived at ${at.toISOString()}`);
              }
              // Several batches, each at most maxRecordsPerFetch records per shard.
              assert.ok(query.recentProgress.length > 1);
              for (const p of query.recentProgress) assert.ok(p.numInputRows <= 200);
            } finally {
              producing = false;
              await producer;
            }
          });
        },
      );

      await t.step(
        "resharding 2 -> 4 -> 2 under load loses nothing, duplicates nothing and keeps each key's order",
        async () => {
          await withTempDir(async (dir) => {
            const stream = "reshard";
            await createStream(kinesis, stream, { shardCount: 2 });
            const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
            const counters = new Map<string, number>();
            const options = writeOptions(dir, { transform: withBatchOrder });
            const query = await readStream(readOptions(kinesis, stream)).writeStream(options)
              .start();
            let producing = true;
            const producer = (async () => {
              while (producing) {
                await putRound(kinesis, stream, keys, counters);
                await sleep(15);
              }
            })();
            try {
              for (const target of [4, 2]) {
                await sleep(800);
                await kinesis.send(
                  new UpdateShardCountCommand({
                    StreamName: stream,
                    TargetShardCount: target,
                    ScalingType: "UNIFORM_SCALING",
                  }),
                );
                await waitForActive(kinesis, stream);
              }
              await sleep(800);
            } finally {
              producing = false;
              await producer;
            }
            await query.processAllAvailable();
            await query.stop();
            assert.equal(query.exception, null);
            // Whatever the running query had not reached yet, an available-now run on the
            // same checkpoint reads: it resumes from offsets taken across the reshard.
            const drain = await readStream(readOptions(kinesis, stream))
              .writeStream({ ...options, trigger: { availableNow: true } }).start();
            await drain.awaitTermination();

            // The stream holds each key's records 0..n-1 once (the producer put them so).
            const inStream = await readAll(kinesis, stream);
            const decode = (d: Uint8Array | string) =>
              JSON.parse(typeof d === "string" ? d : new TextDecoder().decode(d)) as {
                key: string;
                n: number;
              };
            assert.equal(inStream.length, [...counters.values()].reduce((a, b) => a + b, 0));

            const table = await readTable(join(dir, "table"));
            const ids = recordIds(table);
            assertNoDuplicate(ids, "the table");
            assert.deepEqual(
              column<string>(table, "sequenceNumber").sort(),
              inStream.map((r) => r.SequenceNumber!).sort(),
            );

            // Per-key order, for a table: ordering a key's rows by the batch that committed
            // them, then by their position in that batch, gives the key's counters in the
            // order they were put (0, 1, ..., n-1).
            const data = column<string>(table, "data").map(decode);
            const batch = column<number | bigint>(table, "batchId").map(Number);
            const row = column<number | bigint>(table, "row").map(Number);
            const order = [...data.keys()].sort((a, b) =>
              batch[a]! - batch[b]! || row[a]! - row[b]!
            );
            for (const key of keys) {
              const ns = order.filter((i) => data[i]!.key === key).map((i) => data[i]!.n);
              const n = counters.get(key)!;
              assert.deepEqual(ns, Array.from({ length: n }, (_, i) => i), key);
            }

            // A parent shard is read to its end before its children: every row of a
            // child is in a later batch than every row of its parents.
            const shardIds = column<string>(table, "shardId");
            const batches = (shard: string) => batch.filter((_, i) => shardIds[i] === shard);
            const shards = await listShards(kinesis, stream);
            assert.equal(shards.length, 8);
            let children = 0;
            for (const s of shards) {
              const parents = [s.parentShardId, s.adjacentParentShardId].filter((p) => p);
              const own = batches(s.shardId);
              if (parents.length === 0 || own.length === 0) continue;
              children++;
              for (const p of parents) {
                const theirs = batches(p!);
                assert.ok(theirs.length > 0, `parent ${p} of ${s.shardId} has no rows`);
                assert.ok(Math.min(...own) > Math.max(...theirs), `${s.shardId} before ${p}`);
              }
            }
            // Under load: the split children and the merged shards all received records.
            assert.equal(children, 6);
          });
        },
      );

      await t.step(
        "an idle query reports a progress with no rows every noDataProgressEventInterval",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "idle", { shardCount: 1 });
            const query = await readStream(readOptions(kinesis, "idle")).writeStream(
              writeOptions(dir, {
                trigger: { processingTime: 50 },
                noDataProgressEventInterval: "300ms",
              }),
            ).start();
            try {
              for (let i = 0; i < 200 && query.recentProgress.length < 2; i++) await sleep(50);
            } finally {
              await query.stop();
            }
            assert.ok(query.recentProgress.length >= 2);
            for (const p of query.recentProgress) {
              assert.equal(p.numInputRows, 0);
              assert.equal(p.batchId, 0);
              assert.equal(p.sink.numOutputRows, 0);
            }
            const progress = await Deno.readTextFile(
              join(dir, "checkpoint", "progress", `${query.runId}.jsonl`),
            );
            assert.equal(progress.trim().split("\n").length, query.recentProgress.length);
          });
        },
      );
    } finally {
      await fx.close();
    }
  },
});

Deno.test({
  name:
    "a query keeps running while the emulator restarts under it and resumes with nothing lost or duplicated",
  ...KINESIS_TEST,
  async fn() {
    await withTempDir(async (dir) => {
      const persistDir = join(dir, "kinesis");
      const port = freePort();
      let emulator = await startEmulator({ persistDir, port });
      const kinesis = createKinesisClient({ endpoint: emulator.endpoint });
      let query;
      try {
        await createStream(kinesis, "restart", { shardCount: 2 });
        const payloads = (from: number, n: number) =>
          Array.from({ length: n }, (_, i) => JSON.stringify({ i: from + i }));
        const put = await putRaw(kinesis, "restart", payloads(0, 200));
        query = await readStream(readOptions(kinesis, "restart")).writeStream(writeOptions(dir))
          .start();
        await query.processAllAvailable();
        put.push(...await putRaw(kinesis, "restart", payloads(200, 100)));
        // stop() waits for the emulator's next write of its state to disk, so every
        // record counted as put survives the restart.
        await emulator.stop();
        // Down for a while: the query's calls fail and it retries with backoff.
        await sleep(1_500);
        assert.equal(query.isActive, true);
        emulator = await startEmulator({ persistDir, port });
        put.push(...await putRaw(kinesis, "restart", payloads(300, 100)));
        await query.processAllAvailable();
        await query.stop();
        assert.equal(query.exception, null);
        assert.equal((await readAll(kinesis, "restart")).length, 400);
        const table = await readTable(join(dir, "table"));
        assertNoDuplicate(recordIds(table), "the table");
        assert.deepEqual(
          column<string>(table, "sequenceNumber").sort(),
          put.map(([, s]) => s).sort(),
        );
      } finally {
        await query?.stop();
        kinesis.destroy();
        await emulator.stop();
      }
    });
  },
});
