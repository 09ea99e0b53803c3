import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureStreams } from "../../lib/kinesis/admin.ts";
import { streamName, tableName } from "../../lib/config.ts";
import { DeltaTable } from "../../lib/delta/mod.ts";
import { RECORD_KINDS } from "../../lib/records.ts";
import { QueryCheckpoint, queryName, type StreamingQueryProgress } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { ROOT, withTempDir } from "../_helpers.ts";
import { putJson, readTable, sourceRows } from "./_fixtures.ts";

const ROWS = 50;

/** Runs `deno task query` available-now as a process; its exit code and stderr. */
async function runQueries(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli", "query.ts"), "--quiet", "--trigger", "available-now"],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

async function progressOf(checkpointDir: string): Promise<StreamingQueryProgress[]> {
  const out: StreamingQueryProgress[] = [];
  for await (const entry of Deno.readDir(join(checkpointDir, "progress"))) {
    const text = await Deno.readTextFile(join(checkpointDir, "progress", entry.name));
    out.push(...text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l)));
  }
  return out;
}

Deno.test({
  name:
    "a process dying at a precise point of a batch re-runs it with the same offsets on restart, and the sink skips what the table has",
  ...KINESIS_TEST,
  async fn(t) {
    const fx = await startKinesis();
    try {
      // PINSTREAM_TEST_CRASH_AFTER is the query's test hook: exit(137) right after that point.
      for (const point of ["delta-commit", "offsets"] as const) {
        await t.step(`crash after ${point}`, async () => {
          await withTempDir(async (dir) => {
            const user = `crash${point.replace("-", "")}`;
            await ensureStreams(fx.kinesis, user);
            for (const kind of RECORD_KINDS) {
              const rows = (await sourceRows(kind, ROWS)).map((row, i) => ({
                ...row,
                [kind === "pin" ? "index" : "ind"]: i,
              }));
              await putJson(fx.kinesis, streamName(user, kind), rows);
            }
            const env = {
              KINESIS_ENDPOINT: fx.emulator.endpoint,
              USER_ID: user,
              LAKEHOUSE_DIR: join(dir, "lakehouse"),
              CHECKPOINT_DIR: join(dir, "checkpoints"),
            };
            const crashed = await runQueries({ ...env, PINSTREAM_TEST_CRASH_AFTER: point });
            assert.equal(crashed.code, 137, crashed.stderr);

            // The first query to reach the point took the process down: its batch n has
            // offsets/<n> and no commits/<n>; the table has batch n only after the Delta commit.
            const hit: { kind: string; batchId: number; checkpoint: QueryCheckpoint }[] = [];
            for (const kind of RECORD_KINDS) {
              const checkpoint = new QueryCheckpoint(
                join(env.CHECKPOINT_DIR, queryName(user, kind)),
              );
              const offsets = await checkpoint.latestOffsetsBatch();
              if (offsets <= await checkpoint.latestCommittedBatch()) continue;
              const path = join(env.LAKEHOUSE_DIR, "default", tableName(user, kind));
              const queryId = (await checkpoint.readMetadata())!.id;
              const inTable = await (await DeltaTable.open(path)).txnVersion(queryId);
              if (point === "delta-commit" && inTable === offsets) {
                hit.push({ kind, batchId: offsets, checkpoint });
              } else if (point === "offsets" && (inTable ?? -1) < offsets) {
                hit.push({ kind, batchId: offsets, checkpoint });
              }
            }
            assert.ok(hit.length >= 1, `no query stopped after ${point}`);

            const rerun = await runQueries(env);
            assert.equal(rerun.code, 0, rerun.stderr);
            for (const { kind, batchId, checkpoint } of hit) {
              assert.equal(await checkpoint.latestCommittedBatch() >= batchId, true, kind);
              const runs = (await progressOf(checkpoint.dir)).filter((p) => p.batchId === batchId);
              assert.equal(runs.length, 1, `${kind}: batch ${batchId} reported once`);
              const [again] = runs;
              assert.deepEqual(
                again!.sources[0]!.endOffset,
                await checkpoint.readOffsets(batchId),
                `${kind}: batch ${batchId} re-ran with its offsets`,
              );
              assert.equal(again!.sink.skipped, point === "delta-commit", kind);
              if (point === "delta-commit") assert.equal(again!.sink.numOutputRows, 0);
              else assert.ok(again!.sink.numOutputRows > 0);
            }
            // Every table: each record once.
            for (const kind of RECORD_KINDS) {
              const table = await readTable(
                join(env.LAKEHOUSE_DIR, "default", tableName(user, kind)),
              );
              const inds = (table.getColumn("ind").toArray() as (number | bigint)[]).map(Number)
                .sort((a, b) => a - b);
              assert.deepEqual(inds, Array.from({ length: ROWS }, (_, i) => i), kind);
            }
          });
        });
      }
    } finally {
      await fx.close();
    }
  },
});
