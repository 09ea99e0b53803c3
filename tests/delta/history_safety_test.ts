/**
 * Vacuum and log cleanup tell the truth and never lose history: a file
 * vacuum could not delete is reported as such, and a checkpoint whose rows
 * cannot be read never replaces the commits it was meant to.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DeltaTable, LocalStorage, Snapshot } from "../../lib/delta/mod.ts";
import { withDuckDB } from "../../lib/delta/_duckdb.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

const DAY_MS = 86_400_000;

function logFile(version: number, suffix = "json"): string {
  return `${String(version).padStart(20, "0")}.${suffix}`;
}

/**
 * Overwrites the column chunks of the `add` column of a parquet file with
 * garbage, leaving the footer and the other columns intact: the file opens
 * and its protocol and metaData read, but its add rows do not.
 */
async function damageAddColumn(path: string): Promise<void> {
  const chunks = await withDuckDB(async (con) =>
    (await con.runAndReadAll(
      `SELECT path_in_schema, data_page_offset, dictionary_page_offset, total_compressed_size ` +
        `FROM parquet_metadata('${path}')`,
    )).getRowObjectsJson()
  );
  const bytes = await Deno.readFile(path);
  let damaged = 0;
  for (const chunk of chunks) {
    if (!String(chunk.path_in_schema).startsWith("add")) continue;
    const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    const end = start + Number(chunk.total_compressed_size);
    bytes.fill(0xfe, start, end);
    damaged++;
  }
  assert.ok(damaged > 0, "the checkpoint has add column chunks");
  await Deno.writeFile(path, bytes);
}

Deno.test("log cleanup keeps the commits a damaged checkpoint was meant to replace", async () => {
  await withTempDir(async (dir) => {
    let now = Date.now();
    const table = await DeltaTable.create(dir, everyTypeFrame().schema, {
      configuration: { "delta.checkpointInterval": "2", "delta.enableExpiredLogCleanup": "false" },
      clock: () => now,
    });
    for (let v = 1; v <= 5; v++) {
      await table.append(everyTypeFrame(v * 10, 1), { txn: { appId: "q", version: v } });
    }
    await damageAddColumn(join(dir, "_delta_log", logFile(4, "checkpoint.parquet")));
    now += 31 * DAY_MS;
    const result = await table.cleanupLogs();
    assert.equal(result.checkpoint, 2, "checkpoint 4 is not read in full, so 2 is kept");
    assert.deepEqual(result.deleted, [logFile(0), logFile(1)]);
    const snapshot = await Snapshot.load(dir);
    assert.equal(snapshot.files.length, 5);
    assert.deepEqual(snapshot.source, { checkpoint: 2, commitsReplayed: 3 });
    const ids = (await (await DeltaTable.open(dir)).read()).getColumn("id").toArray().map(Number);
    assert.deepEqual(ids.sort((a, b) => a - b), [10, 20, 30, 40, 50]);
    assert.equal(snapshot.txnVersion("q"), 5);
  });
});

Deno.test("a damaged newer checkpoint falls back to an older one or JSON replay when loading", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema, {
      configuration: { "delta.checkpointInterval": "3" },
    });
    for (let v = 1; v <= 7; v++) {
      await table.append(everyTypeFrame(v * 10, 1), { txn: { appId: "q", version: v } });
    }
    await damageAddColumn(join(dir, "_delta_log", logFile(6, "checkpoint.parquet")));
    const snapshot = await Snapshot.load(dir);
    assert.equal(snapshot.version, 7);
    assert.equal(snapshot.files.length, 7);
    assert.equal(snapshot.txnVersion("q"), 7);
    assert.deepEqual(snapshot.source, { checkpoint: 3, commitsReplayed: 4 });
    await damageAddColumn(join(dir, "_delta_log", logFile(3, "checkpoint.parquet")));
    const txnsFirst = await Snapshot.load(dir);
    assert.equal(txnsFirst.txnVersion("q"), 7, "the txn column itself is intact");
    assert.equal(txnsFirst.files.length, 7);
    assert.deepEqual(txnsFirst.source, { checkpoint: null, commitsReplayed: 8 });
    assert.equal(txnsFirst.txnVersion("q"), 7);
    assert.deepEqual(
      (await (await DeltaTable.open(dir)).read()).getColumn("id").toArray().map(Number),
      [10, 20, 30, 40, 50, 60, 70],
    );
  });
});

/** A local store whose delete of one file fails, as a permission error would. */
class OneFileStuck extends LocalStorage {
  stuck = "";
  override async delete(path: string): Promise<void> {
    if (path === this.stuck) throw new Error(`Permission denied: ${path}`);
    await super.delete(path);
  }
}

Deno.test("vacuum reports only the files it deleted and lists the one it could not", async () => {
  await withTempDir(async (dir) => {
    let now = Date.now();
    const storage = new OneFileStuck(dir);
    const table = await DeltaTable.create(storage, everyTypeFrame().schema, {
      clock: () => now,
    });
    for (let b = 0; b < 3; b++) await table.append(everyTypeFrame(b * 3, 3));
    const old = table.snapshot.files.map((f) => f.path).sort();
    await table.optimize();
    storage.stuck = old[1]!;
    const sizes = old.map((p) => Deno.statSync(join(dir, p)).size);
    now += 2 * 3_600_000;
    const result = await table.vacuum({ retentionHours: 1, force: true });
    assert.deepEqual(result.files, [old[0], old[2]]);
    assert.deepEqual(result.failed, [{ path: old[1], error: `Permission denied: ${old[1]}` }]);
    assert.equal(result.bytes, sizes[0]! + sizes[2]!);
    assert.ok(Deno.statSync(join(dir, old[1]!)).isFile, "the stuck file is still there");
  });
});
