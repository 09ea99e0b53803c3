import assert from "node:assert/strict";
import { join } from "node:path";
import { AUTO_COMPACT_MIN_FILES, DeltaTable } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

const DAY_MS = 24 * 3_600_000;

function sortedIds(df: { getColumn(name: string): { toArray(): unknown[] } }): number[] {
  return (df.getColumn("id").toArray() as number[]).sort((a, b) => a - b);
}

function parquetFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".parquet")).map((e) => e.name);
}

async function smallFilesTable(dir: string, appends: number): Promise<DeltaTable> {
  const table = await DeltaTable.create(dir, everyTypeFrame().schema);
  for (let i = 0; i < appends; i++) await table.append(everyTypeFrame(i * 10, 3));
  return table;
}

Deno.test("optimize() keeps every row and replaces small files with one, without changing data", async () => {
  await withTempDir(async (dir) => {
    const table = await smallFilesTable(dir, 8);
    const before = await table.read();
    assert.equal(table.snapshot.files.length, 8);
    const result = await table.optimize();
    assert.deepEqual(result, { version: 9, filesRemoved: 8, filesAdded: 1, rows: 24 });
    assert.equal(table.snapshot.files.length, 1);
    const after = await table.read();
    assert.deepEqual(sortedIds(after), sortedIds(before));
    assert.ok(after.sort("id").frameEqual(before.sort("id"), true));
    const lines =
      (await Deno.readTextFile(join(dir, "_delta_log", `${"9".padStart(20, "0")}.json`)))
        .trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.filter((l) => l.remove).every((l) => l.remove.dataChange === false));
    assert.ok(lines.filter((l) => l.add).every((l) => l.add.dataChange === false));
    assert.equal((await table.history({ limit: 1 }))[0]!.operation, "OPTIMIZE");
    assert.equal((await table.read({ version: 8 })).height, 24);
    assert.deepEqual(await table.optimize(), {
      version: 9,
      filesRemoved: 0,
      filesAdded: 0,
      rows: 0,
    });
  });
});

Deno.test("vacuum() refuses a retention under 168 hours unless forced, and a dry run deletes nothing", async () => {
  await withTempDir(async (dir) => {
    const table = await smallFilesTable(dir, 3);
    await table.optimize();
    await assert.rejects(
      () => table.vacuum({ retentionHours: 1 }),
      (error: unknown) => error instanceof RangeError && /168 hours/.test(error.message),
    );
    const dry = await table.vacuum({ retentionHours: 0, force: true, dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.equal(dry.files.length, 3);
    assert.equal(parquetFiles(dir).length, 4);
  });
});

Deno.test("vacuum() deletes only unreferenced files older than the retention", async () => {
  await withTempDir(async (dir) => {
    const table = await smallFilesTable(dir, 3);
    await table.optimize();
    const orphan = join(dir, "part-00000-orphan-c000.snappy.parquet");
    await Deno.writeFile(orphan, new Uint8Array([1, 2, 3]));
    await Deno.mkdir(join(dir, "_hidden"));
    await Deno.writeTextFile(join(dir, "_hidden", "keep.parquet"), "x");
    assert.deepEqual((await table.vacuum()).files, [], "nothing is old enough yet");
    const later = await table.vacuum({ now: Date.now() + 8 * DAY_MS });
    assert.equal(later.files.length, 4);
    assert.ok(later.files.includes("part-00000-orphan-c000.snappy.parquet"));
    const live = table.snapshot.files.map((f) => f.path);
    assert.deepEqual(parquetFiles(dir), live);
    assert.ok(await Deno.stat(join(dir, "_hidden", "keep.parquet")));
    assert.equal((await table.read()).height, 9);
    assert.equal(table.version, 4, "vacuum writes no commit");
  });
});

Deno.test("with delta.autoOptimize.autoCompact an append that makes 50 small files is followed by OPTIMIZE", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema, {
      configuration: { "delta.autoOptimize.autoCompact": "true" },
    });
    for (let b = 0; b < AUTO_COMPACT_MIN_FILES - 1; b++) {
      await table.append(everyTypeFrame(b, 1));
    }
    assert.equal(table.version, AUTO_COMPACT_MIN_FILES - 1);
    assert.equal(table.snapshot.files.length, AUTO_COMPACT_MIN_FILES - 1);
    const result = await table.append(everyTypeFrame(AUTO_COMPACT_MIN_FILES - 1, 1));
    assert.deepEqual([result.version, result.skipped, result.rows], [
      AUTO_COMPACT_MIN_FILES,
      false,
      1,
    ]);
    assert.equal(table.version, AUTO_COMPACT_MIN_FILES + 1);
    const [last] = await table.history({ limit: 1 });
    assert.equal(last!.operation, "OPTIMIZE");
    assert.equal(table.snapshot.files.length, 1);
    assert.ok(table.snapshot.files.every((f) => f.dataChange === false));
    const ids = (await table.read()).getColumn("id").toArray().map(Number).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: AUTO_COMPACT_MIN_FILES }, (_, i) => i));
  });
});
