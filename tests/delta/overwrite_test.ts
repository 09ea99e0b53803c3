import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { CommitConflictError, DeltaTable } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";

function frame(ids: number[], words: string[]): pl.DataFrame {
  return pl.DataFrame([pl.Series("id", ids, pl.Int64), pl.Series("word", words, pl.String)]);
}

function logLines(dir: string, version: number): Array<Record<string, Record<string, unknown>>> {
  const name = `${String(version).padStart(20, "0")}.json`;
  return Deno.readTextFileSync(join(dir, "_delta_log", name)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
}

async function duckRows(files: string[]): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
    const reader = await con.runAndReadAll(
      `SELECT id, word FROM read_parquet([${list}]) ORDER BY id`,
    );
    return (reader.getRowObjectsJson() as Record<string, unknown>[]).map((r) => ({
      id: Number(r.id),
      word: r.word,
    }));
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

Deno.test("overwrite() replaces every live file in one WRITE commit and time travel still sees the old rows", async () => {
  await withTempDir(async (dir) => {
    const first = frame([1, 2], ["a", "b"]);
    const second = frame([3], ["c"]);
    const replacement = frame([10, 11, 12], ["x", "y", "z"]);
    const table = await DeltaTable.create(dir, first.schema);
    await table.append(first);
    const before = await table.append(second);
    const oldFiles = table.snapshot.files.map((f) => f.path).sort();
    assert.equal(oldFiles.length, 2);

    const result = await table.overwrite(replacement);
    assert.equal(result.version, before.version + 1);
    assert.equal(result.skipped, false);
    assert.equal(result.rows, replacement.height);
    assert.equal(result.files, result.paths.length);

    const lines = logLines(dir, result.version);
    const info = lines.find((l) => l.commitInfo)!.commitInfo!;
    assert.equal(info.operation, "WRITE");
    assert.deepEqual(info.operationParameters, { mode: "Overwrite", partitionBy: "[]" });
    assert.equal(info.readVersion, before.version);
    assert.equal(info.isBlindAppend, false);
    const removed = lines.filter((l) => l.remove).map((l) => l.remove!);
    assert.deepEqual(removed.map((r) => r.path).sort(), oldFiles);
    assert.ok(removed.every((r) => r.dataChange === true));
    const added = lines.filter((l) => l.add).map((l) => String(l.add!.path)).sort();
    assert.deepEqual(added, result.paths.slice().sort());

    const now = await table.read();
    assert.deepEqual(now.sort("id").toRecords(), replacement.sort("id").toRecords());
    const old = await table.read({ version: before.version });
    assert.deepEqual(
      old.sort("id").toRecords(),
      pl.concat([first, second]).sort("id").toRecords(),
    );

    const files = table.snapshot.files.map((f) => join(dir, decodeURIComponent(f.path)));
    assert.deepEqual(await duckRows(files), replacement.sort("id").toRecords());
    const oldPaths = oldFiles.map((p) => join(dir, decodeURIComponent(p)));
    assert.deepEqual(await duckRows(oldPaths), pl.concat([first, second]).sort("id").toRecords());
  });
});

Deno.test("overwrite() with an empty frame leaves the table empty at a new version", async () => {
  await withTempDir(async (dir) => {
    const rows = frame([1], ["a"]);
    const table = await DeltaTable.create(dir, rows.schema);
    await table.append(rows);
    const result = await table.overwrite(rows.head(0));
    assert.equal(result.version, 2);
    assert.equal(result.files, 0);
    assert.equal((await table.read()).height, 0);
    assert.equal((await table.read({ version: 1 })).height, 1);
  });
});

Deno.test("overwrite() with a txn already committed writes nothing", async () => {
  await withTempDir(async (dir) => {
    const rows = frame([1], ["a"]);
    const table = await DeltaTable.create(dir, rows.schema);
    const txn = { appId: "gold", version: 4 };
    assert.equal((await table.overwrite(rows, { txn })).version, 1);
    const again = await table.overwrite(frame([2], ["b"]), { txn });
    assert.deepEqual(again, { version: 1, skipped: true, files: 0, rows: 0, bytes: 0, paths: [] });
    assert.deepEqual((await table.read()).toRecords(), rows.toRecords());
  });
});

Deno.test("overwrite() fails with CommitConflictError when another writer added files meanwhile, and deletes its own", async () => {
  await withTempDir(async (dir) => {
    const rows = frame([1], ["a"]);
    const table = await DeltaTable.create(dir, rows.schema);
    await table.append(rows);
    const other = await DeltaTable.open(dir);
    let written: string[] = [];
    await assert.rejects(
      table.overwrite(frame([2], ["b"]), {
        beforeCommit: async () => {
          written = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
          await other.append(frame([3], ["c"]));
        },
      }),
      CommitConflictError,
    );
    const left = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
    assert.equal(written.length, 2);
    assert.equal(left.length, 2);
    const live = (await DeltaTable.open(dir)).snapshot.files.map((f) => f.path).sort();
    assert.deepEqual(left.sort(), live);
    assert.deepEqual((await table.read()).sort("id").toRecords(), [
      { id: 1, word: "a" },
      { id: 3, word: "c" },
    ]);
  });
});
