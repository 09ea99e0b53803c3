import assert from "node:assert/strict";
import { join } from "node:path";
import { DeltaTable, Snapshot } from "../../lib/delta/mod.ts";
import { readCheckpointHead, readCheckpointTxns } from "../../lib/delta/checkpoint.ts";
import { sqlString, withDuckDB } from "../../lib/delta/_duckdb.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

const LOG = "_delta_log";

function logFile(version: number, suffix = "json"): string {
  return `${String(version).padStart(20, "0")}.${suffix}`;
}

async function tableWithCommits(dir: string, commits: number): Promise<DeltaTable> {
  const table = await DeltaTable.create(dir, everyTypeFrame().schema);
  for (let v = 1; v < commits; v++) {
    await table.append(everyTypeFrame(v * 10, 2), { txn: { appId: "query-1", version: v } });
  }
  return table;
}

function sortedIds(df: { getColumn(name: string): { toArray(): unknown[] } }): number[] {
  return (df.getColumn("id").toArray() as number[]).sort((a, b) => a - b);
}

Deno.test("after 25 commits there are checkpoints at 10 and 20, and _last_checkpoint names 20", async () => {
  await withTempDir(async (dir) => {
    const table = await tableWithCommits(dir, 25);
    assert.equal(table.version, 24);
    const names = [...Deno.readDirSync(join(dir, LOG))].map((e) => e.name);
    const checkpoints = names.filter((n) => n.endsWith(".checkpoint.parquet")).sort();
    assert.deepEqual(checkpoints, [
      logFile(10, "checkpoint.parquet"),
      logFile(20, "checkpoint.parquet"),
    ]);
    const last = JSON.parse(await Deno.readTextFile(join(dir, LOG, "_last_checkpoint")));
    assert.equal(last.version, 20);
    assert.equal(last.numOfAddFiles, 20);
    assert.ok(!names.some((n) => n.endsWith(".tmp")), "no temporary files are left behind");
    const reopened = await DeltaTable.open(dir);
    assert.deepEqual(reopened.snapshot.source, { checkpoint: 20, commitsReplayed: 4 });
    assert.equal(await reopened.txnVersion("query-1"), 24);
  });
});

Deno.test("deleting the JSON commits a checkpoint covers still reads the same rows", async () => {
  await withTempDir(async (dir) => {
    const table = await tableWithCommits(dir, 25);
    const before = sortedIds(await table.read());
    for (let v = 0; v <= 20; v++) await Deno.remove(join(dir, LOG, logFile(v)));
    const reopened = await DeltaTable.open(dir);
    assert.equal(reopened.version, 24);
    assert.deepEqual(sortedIds(await reopened.read()), before);
    assert.equal((await reopened.read({ version: 20 })).height, 40);
    await assert.rejects(
      () => reopened.read({ version: 15 }),
      /Cannot load version 15 of .*: commits before it were removed/,
    );
    assert.deepEqual((await reopened.history()).map((h) => h.version), [24, 23, 22, 21]);
  });
});

Deno.test("a truncated checkpoint falls back to an older checkpoint, then to the JSON commits", async () => {
  await withTempDir(async (dir) => {
    const table = await tableWithCommits(dir, 25);
    const before = sortedIds(await table.read());
    const truncate = async (version: number) => {
      const path = join(dir, LOG, logFile(version, "checkpoint.parquet"));
      const bytes = await Deno.readFile(path);
      await Deno.writeFile(path, bytes.slice(0, Math.floor(bytes.length / 2)));
    };
    await truncate(20);
    const fromTen = await DeltaTable.open(dir);
    assert.deepEqual(fromTen.snapshot.source, { checkpoint: 10, commitsReplayed: 14 });
    assert.deepEqual(sortedIds(await fromTen.read()), before);
    await truncate(10);
    const fromJson = await DeltaTable.open(dir);
    assert.deepEqual(fromJson.snapshot.source, { checkpoint: null, commitsReplayed: 25 });
    assert.deepEqual(sortedIds(await fromJson.read()), before);
    await Deno.remove(join(dir, LOG, "_last_checkpoint"));
    assert.equal((await DeltaTable.open(dir)).version, 24);
  });
});

Deno.test("txns come from the checkpoint on first use; later commits' txns win", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    await table.append(everyTypeFrame(0, 1), { txn: { appId: "old", version: 7 } });
    for (let v = 2; v <= 11; v++) {
      await table.append(everyTypeFrame(v * 10, 1), { txn: { appId: "q", version: v } });
    }
    const snapshot = await Snapshot.load(dir);
    assert.deepEqual(snapshot.source, { checkpoint: 10, commitsReplayed: 1 });
    assert.equal(snapshot.txnVersion("old"), 7);
    assert.equal(snapshot.txnVersion("q"), 11);
    assert.deepEqual(
      snapshot.txns.map((t) => [t.appId, t.version]).sort(),
      [["old", 7], ["q", 11]],
    );
  });
});

Deno.test("a checkpoint whose protocol and metaData come after other rows is read in full", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, logFile(5, "checkpoint.parquet"));
    const schema = JSON.stringify({ type: "struct", fields: [] });
    await withDuckDB((con) =>
      con.run(
        `COPY (SELECT CASE WHEN i = 20 THEN {'minReaderVersion': 1, 'minWriterVersion': 2} END ` +
          `AS protocol, CASE WHEN i = 30 THEN {'id': 'x', 'format': {'provider': 'parquet', ` +
          `'options': MAP {}::MAP(VARCHAR, VARCHAR)}, 'schemaString': ${sqlString(schema)}, ` +
          `'partitionColumns': []::VARCHAR[], 'configuration': MAP {'k': 'v'}, ` +
          `'createdTime': 1} END AS metaData, CASE WHEN i = 40 THEN {'appId': 'q', ` +
          `'version': 3::BIGINT, 'lastUpdated': 9::BIGINT} END AS txn ` +
          `FROM range(50) t(i)) TO ${sqlString(path)} (FORMAT parquet)`,
      )
    );
    const head = readCheckpointHead([path]);
    assert.deepEqual(head.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    assert.equal(head.metaData?.id, "x");
    assert.deepEqual(head.metaData?.configuration, { k: "v" });
    assert.deepEqual(readCheckpointTxns([path]), [{ appId: "q", version: 3, lastUpdated: 9 }]);
  });
});
