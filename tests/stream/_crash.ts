/**
 * The crash test's machinery, for any store: a Kinesis emulator, a producer
 * putting good and bad records without pause, and `cli/query.ts` processes
 * killed with SIGKILL at random moments, then one run to the end; every
 * good record must be in its table exactly once and every bad one in the
 * quarantine. The lakehouse and checkpoints may be paths or `s3://` URLs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureStreams } from "../../lib/kinesis/admin.ts";
import { streamName, tableName } from "../../lib/config.ts";
import { RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { QueryCheckpoint, queryName } from "../../lib/stream/mod.ts";
import { startKinesis } from "../_kinesis.ts";
import { joinLocation } from "../../lib/delta/storage/mod.ts";
import { ROOT } from "../_helpers.ts";
import { putRaw, readTable, sourceRows } from "./_fixtures.ts";

const USER = "crashtest";

function runQueries(env: Record<string, string>, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli", "query.ts"), "--quiet", ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits until the process says its queries run (or its output ends); leaves the rest unread. */
async function runningLine(child: Deno.ChildProcess): Promise<void> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("Running ")) {
    const { value, done } = await reader.read();
    if (done) return;
    text += value;
  }
  reader.releaseLock();
}

/** Where the queries keep their tables and checkpoints, and what else their processes need. */
export interface CrashStore {
  /** The lakehouse: a path or `s3://bucket/prefix`. */
  lakehouseDir: string;
  /** The checkpoint directory: a path or `s3://bucket/prefix`. */
  checkpointDir: string;
  /** More environment for the query processes (such as the S3 endpoint). */
  env?: Record<string, string>;
}

/**
 * Kills the query process `kills` times at random while records keep
 * coming, then runs it to the end and asserts every record landed exactly
 * once.
 */
export async function killQueriesWhileRecordsArrive(
  store: CrashStore,
  kills: number,
): Promise<void> {
  const fx = await startKinesis();
  try {
    await ensureStreams(fx.kinesis, USER);
    const env = {
      ...store.env,
      KINESIS_ENDPOINT: fx.emulator.endpoint,
      USER_ID: USER,
      LAKEHOUSE_DIR: store.lakehouseDir,
      CHECKPOINT_DIR: store.checkpointDir,
    };
    const templates = Object.fromEntries(
      await Promise.all(RECORD_KINDS.map(async (k) => [k, await sourceRows(k, 200)])),
    ) as Record<RecordKind, Record<string, unknown>[]>;
    const good: Record<RecordKind, number[]> = { pin: [], geo: [], user: [] };
    const bad: Record<RecordKind, string[]> = { pin: [], geo: [], user: [] };
    let next = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const start = next;
        next += 60;
        await Promise.all(RECORD_KINDS.map(async (kind) => {
          const payloads: string[] = [];
          const inds: number[] = [];
          for (let i = start; i < start + 60; i++) {
            if (i % 50 === 7) {
              payloads.push(`not json ${i}`);
              continue;
            }
            const row = { ...templates[kind][i % 200]! };
            row[kind === "pin" ? "index" : "ind"] = i;
            payloads.push(JSON.stringify(row));
            inds.push(i);
          }
          const put = await putRaw(fx.kinesis, streamName(USER, kind), payloads);
          good[kind].push(...inds);
          payloads.forEach((p, j) => {
            if (p.startsWith("not json")) bad[kind].push(put[j]![1]);
          });
        }));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const pinCheckpoint = new QueryCheckpoint(
      joinLocation(store.checkpointDir, queryName(USER, "pin")),
    );
    try {
      for (let i = 0; i < kills; i++) {
        const child = runQueries(env, ["--trigger", "200ms", "--min-fetch-period", "100ms"]);
        await runningLine(child);
        if (i % 2 === 1) {
          // Every other run dies only after this run committed a batch, so that the kills
          // hit working queries even on a loaded machine where start-up takes seconds.
          const before = await pinCheckpoint.latestCommittedBatch();
          for (let j = 0; j < 300; j++) {
            if (await pinCheckpoint.latestCommittedBatch() > before) break;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        await new Promise((r) => setTimeout(r, Math.random() * 2500));
        try {
          child.kill("SIGKILL");
        } catch { /* already exited */ }
        const status = await child.status;
        await child.stderr.cancel();
        await child.stdout.cancel().catch(() => {});
        assert.notEqual(status.code, 1, "the query process failed instead of being killed");
      }
    } finally {
      producing = false;
      await producer;
    }
    // The killed runs did commit batches: the kills hit a working query, not only its start.
    const committed = await pinCheckpoint.latestCommittedBatch();
    assert.ok(committed >= 1, `only ${committed + 1} batches committed before the last run`);
    const last = runQueries(env, ["--trigger", "available-now", "--min-fetch-period", "50ms"]);
    const { code, stderr } = await last.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    for (const kind of RECORD_KINDS) {
      const path = joinLocation(store.lakehouseDir, "default", tableName(USER, kind));
      const table = await readTable(path);
      const inds = (table.getColumn("ind").toArray() as (number | bigint)[]).map(Number)
        .sort((a, b) => a - b);
      assert.deepEqual(inds, [...good[kind]].sort((a, b) => a - b), kind);
      const quarantine = await readTable(`${path}_quarantine`);
      const seqs = (quarantine.getColumn("sequenceNumber").toArray() as string[]).sort();
      assert.deepEqual(seqs, [...bad[kind]].sort(), `${kind} quarantine`);
    }
  } finally {
    await fx.close();
  }
}
