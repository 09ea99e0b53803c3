import assert from "node:assert/strict";
import { join } from "node:path";
import { createStream, deleteStream } from "../../lib/kinesis/admin.ts";
import {
  CheckpointMismatchError,
  cleanTransform,
  readStream,
  resetCheckpoint,
} from "../../lib/stream/mod.ts";
import type { WriteStreamOptions } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";
import { putJson, putRaw, readTable, sourceRows } from "./_fixtures.ts";

function sequenceNumbers(df: { getColumn(name: string): { toArray(): unknown[] } }): string[] {
  return (df.getColumn("sequenceNumber").toArray() as string[]).sort();
}

Deno.test({
  name: "streaming queries read Kinesis into Delta exactly once, with Spark's semantics",
  ...KINESIS_TEST,
  async fn(t) {
    const fx = await startKinesis();
    const kinesis = fx.kinesis;
    const read = (streamName: string, extra: Record<string, unknown> = {}) =>
      readStream({
        format: "kinesis",
        streamName,
        kinesis,
        initialPosition: "earliest",
        minFetchPeriod: 50,
        ...extra,
      });
    const write = (dir: string, extra: Partial<WriteStreamOptions> = {}): WriteStreamOptions => ({
      format: "delta",
      checkpointLocation: join(dir, "checkpoint"),
      path: join(dir, "table"),
      trigger: { availableNow: true },
      ...extra,
    });
    try {
      await t.step(
        "available-now drains the stream and stops, and a restart reads nothing twice",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "drain", { shardCount: 2 });
            const put = await putJson(kinesis, "drain", await sourceRows("user", 200));
            const query = await read("drain").writeStream(write(dir)).start();
            assert.equal(await query.awaitTermination(), true);
            assert.equal(query.isActive, false);
            const table = await readTable(join(dir, "table"));
            assert.deepEqual(sequenceNumbers(table), put.map(([, s]) => s).sort());
            assert.deepEqual(table.columns, [
              "data",
              "partitionKey",
              "stream",
              "shardId",
              "sequenceNumber",
              "approximateArrivalTimestamp",
            ]);
            const more = await putJson(kinesis, "drain", await sourceRows("user", 10));
            const again = await read("drain").writeStream(write(dir)).start();
            await again.awaitTermination();
            assert.equal(again.id, query.id);
            assert.notEqual(again.runId, query.runId);
            const after = await readTable(join(dir, "table"));
            assert.deepEqual(sequenceNumbers(after), [...put, ...more].map(([, s]) => s).sort());
            const lines = await Array.fromAsync(Deno.readDir(join(dir, "checkpoint", "progress")));
            assert.equal(lines.length, 2);
          });
        },
      );

      await t.step(
        "a batch with offsets but no commit re-runs with the same id, and the sink skips it when the table has it",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "rerun", { shardCount: 2 });
            const put = await putJson(kinesis, "rerun", await sourceRows("geo", 100));
            const first = await read("rerun").writeStream(write(dir)).start();
            await first.awaitTermination();
            const last = first.lastProgress!.batchId;
            // Crash after the Delta commit, before commits/<n>.
            await Deno.remove(join(dir, "checkpoint", "commits", String(last)));
            const second = await read("rerun").writeStream(write(dir)).start();
            await second.awaitTermination();
            const rerun = second.recentProgress[0]!;
            assert.equal(rerun.batchId, last);
            assert.equal(rerun.sink.skipped, true);
            assert.deepEqual(
              rerun.sources[0]!.endOffset,
              first.lastProgress!.sources[0]!.endOffset,
            );
            assert.equal(rerun.numInputRows, first.lastProgress!.numInputRows);
            let table = await readTable(join(dir, "table"));
            assert.deepEqual(sequenceNumbers(table), put.map(([, s]) => s).sort());
            // Crash before the Delta commit: remove the batch's commit from the table's log too.
            const logDir = join(dir, "table", "_delta_log");
            const commits = (await Array.fromAsync(Deno.readDir(logDir))).map((e) => e.name)
              .filter((n) => /^\d{20}\.json$/.test(n)).sort();
            await Deno.remove(join(logDir, commits.at(-1)!));
            await Deno.remove(join(dir, "checkpoint", "commits", String(last)));
            const third = await read("rerun").writeStream(write(dir)).start();
            await third.awaitTermination();
            assert.equal(third.recentProgress[0]!.batchId, last);
            assert.equal(third.recentProgress[0]!.sink.skipped, false);
            table = await readTable(join(dir, "table"));
            assert.deepEqual(sequenceNumbers(table), put.map(([, s]) => s).sort());
          });
        },
      );

      await t.step(
        "bad records all land in quarantine with a reason and the good ones around them land",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "bad", { shardCount: 1 });
            const good = await sourceRows("user", 20);
            const garbage = new Uint8Array(1024 * 1024 - 100);
            for (let i = 0; i < garbage.length; i += 65536) {
              crypto.getRandomValues(garbage.subarray(i, Math.min(i + 65536, garbage.length)));
            }
            const bad: (string | Uint8Array)[] = [
              "not json",
              '{"ind": 1, "first_name": "a"',
              JSON.stringify({ ...good[0], ind: "seven" }),
              JSON.stringify({ ...good[0], age: 3.5 }),
              JSON.stringify({ first_name: "no ind" }),
              JSON.stringify([1, 2, 3]),
              "42",
            ];
            const payloads: (string | Uint8Array)[] = [];
            good.forEach((g, i) => {
              payloads.push(JSON.stringify(g));
              if (bad[i]) payloads.push(bad[i]!);
            });
            await putRaw(kinesis, "bad", payloads);
            await putRaw(kinesis, "bad", [garbage]);
            await putJson(kinesis, "bad", [good[0]]);
            const query = await read("bad").writeStream(
              write(dir, { transform: cleanTransform("user") }),
            ).start();
            await query.awaitTermination();
            const table = await readTable(join(dir, "table"));
            assert.equal(table.height, 21);
            const quarantine = await readTable(join(dir, "table_quarantine"));
            assert.equal(quarantine.height, bad.length + 1);
            const stages = quarantine.getColumn("stage").toArray() as string[];
            assert.equal(stages.filter((s) => s === "parse").length, 3);
            assert.equal(stages.filter((s) => s === "validate").length, 5);
            for (const reason of quarantine.getColumn("reason").toArray() as string[]) {
              assert.ok(reason.length > 0);
            }
            const reasons = (quarantine.getColumn("reason").toArray() as string[]).join("\n");
            assert.match(reasons, /ind/);
            assert.match(reasons, /age/);
            for (const column of ["shardId", "sequenceNumber", "partitionKey", "data"]) {
              assert.ok(
                (quarantine.getColumn(column).toArray() as string[]).every((v) => v !== ""),
              );
            }
            const total = query.recentProgress.reduce((s, p) => s + p.numQuarantinedRows, 0);
            assert.equal(total, bad.length + 1);
          });
        },
      );

      await t.step(
        "initialPosition latest skips what was there before the query started",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "latest", { shardCount: 2 });
            await putJson(kinesis, "latest", await sourceRows("pin", 10));
            await new Promise((r) => setTimeout(r, 50));
            const query = await read("latest", { initialPosition: "latest" }).writeStream(
              write(dir, { trigger: { processingTime: "100 milliseconds" } }),
            ).start();
            const after = await putJson(kinesis, "latest", await sourceRows("pin", 5));
            await query.processAllAvailable();
            await query.stop();
            assert.equal(query.isActive, false);
            const table = await readTable(join(dir, "table"));
            assert.deepEqual(sequenceNumbers(table), after.map(([, s]) => s).sort());
          });
        },
      );

      await t.step(
        "initialPosition at a timestamp starts at the records that arrived from then on",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "at", { shardCount: 2 });
            await putJson(kinesis, "at", await sourceRows("pin", 10));
            await new Promise((r) => setTimeout(r, 50));
            const timestamp = new Date();
            await new Promise((r) => setTimeout(r, 50));
            const after = await putJson(kinesis, "at", await sourceRows("pin", 7));
            const query = await read("at", { initialPosition: { timestamp } }).writeStream(
              write(dir),
            )
              .start();
            await query.awaitTermination();
            const table = await readTable(join(dir, "table"));
            assert.deepEqual(sequenceNumbers(table), after.map(([, s]) => s).sort());
          });
        },
      );

      await t.step("stop() ends a query waiting for its next trigger at once", async () => {
        await withTempDir(async (dir) => {
          await createStream(kinesis, "stop", { shardCount: 1 });
          const query = await read("stop").writeStream(
            write(dir, { trigger: { processingTime: "1 hour" } }),
          ).start();
          await query.processAllAvailable();
          await query.stop();
          assert.equal(query.isActive, false);
          assert.equal(await query.awaitTermination(), true);
        });
      });

      await t.step(
        "a checkpoint of a deleted and recreated stream is refused until it is reset",
        async () => {
          await withTempDir(async (dir) => {
            await createStream(kinesis, "again", { shardCount: 1 });
            await putJson(kinesis, "again", await sourceRows("geo", 3));
            await (await read("again").writeStream(write(dir)).start()).awaitTermination();
            await deleteStream(kinesis, "again");
            await new Promise((r) => setTimeout(r, 1100));
            await createStream(kinesis, "again", { shardCount: 1 });
            await assert.rejects(
              read("again").writeStream(write(dir)).start(),
              (error: Error) =>
                error instanceof CheckpointMismatchError &&
                /deleted and recreated/.test(error.message),
            );
            const reset = await resetCheckpoint(join(dir, "checkpoint"));
            assert.equal(reset.existed, true);
            assert.match(reset.message, /1 committed batches/);
            const query = await read("again").writeStream(write(dir)).start();
            await query.awaitTermination();
          });
        },
      );
    } finally {
      await fx.close();
    }
  },
});
