import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DeltaTable } from "../../lib/delta/mod.ts";
import {
  type DeltaQueryProgress,
  DeltaSourceChangeError,
  type DeltaWriteStreamOptions,
  readStream,
} from "../../lib/stream/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { readTable } from "./_fixtures.ts";

const CATEGORIES = ["art", "travel", "food"];

/** Rows with ids `from..to-1`; the category cycles through three values. */
function rows(from: number, to: number): pl.DataFrame {
  const ids = Array.from({ length: to - from }, (_, i) => from + i);
  return pl.DataFrame({ id: ids, category: ids.map((i) => CATEGORIES[i % 3]!) })
    .withColumns(pl.col("id").cast(pl.Int64));
}

async function sourceTable(dir: string): Promise<DeltaTable> {
  return await DeltaTable.create(join(dir, "source"), rows(0, 1).schema);
}

function ids(df: pl.DataFrame): number[] {
  if (df.height === 0) return [];
  return (df.getColumn("id").toArray() as (number | bigint)[]).map(Number).sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

async function drain(
  dir: string,
  read: Record<string, unknown> = {},
  write: Partial<DeltaWriteStreamOptions> = {},
) {
  const query = await readStream({ format: "delta", path: join(dir, "source"), ...read })
    .writeStream({
      checkpointLocation: join(dir, "checkpoint"),
      path: join(dir, "target"),
      trigger: { availableNow: true },
      ...write,
    } as DeltaWriteStreamOptions)
    .start();
  await query.awaitTermination();
  return query;
}

Deno.test("a Delta-source query reads the snapshot, then each new commit exactly once across restarts", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 5));
    await source.append(rows(5, 10));
    const first = await drain(dir);
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 10));
    const p0 = first.lastProgress!;
    assert.equal(p0.batchId, 0);
    assert.equal(p0.numInputRows, 10);
    assert.equal(p0.sources[0]!.startOffset!.reservoirVersion, 2);
    assert.equal(p0.sources[0]!.startOffset!.isStartingVersion, true);
    assert.deepEqual(
      { v: p0.sources[0]!.endOffset.reservoirVersion, i: p0.sources[0]!.endOffset.index },
      { v: 3, i: -1 },
    );
    assert.equal(p0.sink.version, 1);

    await source.append(rows(10, 13));
    await source.append(rows(13, 15));
    const second = await drain(dir);
    assert.equal(second.id, first.id);
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 15));
    assert.equal(second.lastProgress!.batchId, 1);
    assert.equal(second.lastProgress!.numInputRows, 5);

    // Nothing new: no batch, the target is unchanged.
    const third = await drain(dir);
    assert.equal(third.recentProgress.length, 0);
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 15));
  });
});

Deno.test("a processing-time Delta-source query follows commits as they come", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 3));
    const query = await readStream({ format: "delta", path: join(dir, "source") })
      .writeStream({
        checkpointLocation: join(dir, "checkpoint"),
        path: join(dir, "target"),
        trigger: { processingTime: 20 },
      })
      .start();
    try {
      await query.processAllAvailable();
      assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 3));
      await source.append(rows(3, 7));
      await query.processAllAvailable();
      assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 7));
      assert.deepEqual(query.recentProgress.map((p) => p.numInputRows), [3, 4]);
    } finally {
      await query.stop();
    }
    assert.equal(query.isActive, false);
  });
});

Deno.test("startingVersion reads the changes from that version on, not the snapshot", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 5)); // version 1
    await source.append(rows(5, 8)); // version 2
    await source.append(rows(8, 9)); // version 3
    await drain(dir, { startingVersion: 2 });
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(5, 9));
  });
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 5));
    const query = await drain(dir, { startingVersion: "latest" });
    assert.equal(query.recentProgress.length, 0);
    await source.append(rows(5, 6));
    await drain(dir, { startingVersion: "latest" });
    assert.deepEqual(ids(await readTable(join(dir, "target"))), [5]);
  });
});

Deno.test("commits that only rearrange files (OPTIMIZE) add no rows to the stream", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 2));
    await source.append(rows(2, 4));
    await drain(dir);
    const optimized = await source.optimize();
    assert.equal(optimized.filesRemoved, 2);
    await source.append(rows(4, 6));
    const query = await drain(dir);
    assert.deepEqual(query.recentProgress.map((p) => p.numInputRows), [2]);
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 6));
    // A new query reads the compacted snapshot once.
    await Deno.remove(join(dir, "checkpoint"), { recursive: true });
    await drain(dir, {}, { path: join(dir, "copy") });
    assert.deepEqual(ids(await readTable(join(dir, "copy"))), range(0, 6));
  });
});

Deno.test("a commit that removes data stops the query with a clear error, or is skipped with skipChangeCommits", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 3));
    await drain(dir);
    await source.overwrite(rows(100, 102)); // version 2 removes the rows of version 1
    await source.append(rows(3, 5));
    await assert.rejects(
      () => drain(dir),
      (error: Error) => {
        assert.ok(error instanceof DeltaSourceChangeError);
        assert.equal(error.version, 2);
        assert.match(error.message, /version 2 .* removes data/);
        assert.match(error.message, /skipChangeCommits/);
        return true;
      },
    );
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 3));
    await drain(dir, { skipChangeCommits: true });
    assert.deepEqual(ids(await readTable(join(dir, "target"))), range(0, 5));
  });
});

Deno.test("maxFilesPerTrigger bounds the files of each batch", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    for (let i = 0; i < 5; i++) await source.append(rows(i * 10, i * 10 + i + 1));
    const query = await drain(dir, { maxFilesPerTrigger: 2 });
    assert.deepEqual(query.recentProgress.map((p) => p.numInputRows), [1 + 2, 3 + 4, 5]);
    const ends = query.recentProgress.map((p) => p.sources[0]!.endOffset);
    assert.deepEqual(
      ends.map((o) => [o.reservoirVersion, o.index, o.isStartingVersion]),
      [[5, 1, true], [5, 3, true], [6, -1, false]],
    );
    const expected = [0, 10, 11, 20, 21, 22, 30, 31, 32, 33, 40, 41, 42, 43, 44];
    assert.deepEqual(ids(await readTable(join(dir, "target"))), expected);
  });
});

Deno.test("a batch with offsets but no commit is re-run with the same offsets and written once", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 4));
    const first = await drain(dir);
    const target = join(dir, "target");
    const version = (await DeltaTable.open(target)).version;
    // As if the process died after the sink's commit, before commits/0.
    await Deno.remove(join(dir, "checkpoint", "commits", "0"));
    await source.append(rows(4, 6));
    const again = await drain(dir);
    const [rerun, next] = again.recentProgress as [DeltaQueryProgress, DeltaQueryProgress];
    assert.equal(rerun.batchId, 0);
    assert.deepEqual(rerun.sources[0]!.endOffset, first.lastProgress!.sources[0]!.endOffset);
    assert.equal(rerun.sink.skipped, true);
    assert.equal(rerun.sink.version, version);
    assert.equal(next.batchId, 1);
    assert.equal(next.numInputRows, 2);
    assert.deepEqual(ids(await readTable(target)), range(0, 6));
  });
});

Deno.test("complete output mode overwrites the target with the transform of every row read", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 4));
    const countByCategory = (df: pl.DataFrame) =>
      df.groupBy("category").agg(pl.col("id").count().cast(pl.Int64).alias("n")).sort("category");
    const options = { outputMode: "complete", transform: countByCategory } as const;
    await drain(dir, {}, options);
    const counts = async () =>
      (await readTable(join(dir, "target"))).sort("category").toRecords()
        .map((r) => [r.category, Number(r.n)]);
    assert.deepEqual(await counts(), [["art", 2], ["food", 1], ["travel", 1]]);
    await source.append(rows(4, 9));
    const query = await drain(dir, {}, options);
    assert.equal(query.lastProgress!.numInputRows, 5);
    assert.deepEqual(await counts(), [["art", 3], ["food", 3], ["travel", 3]]);
  });
});

Deno.test("foreachBatch gets each batch's rows and id instead of a target table", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 2));
    await source.append(rows(2, 3));
    const seen: [number, number[]][] = [];
    await drain(dir, { maxFilesPerTrigger: 1 }, {
      path: undefined,
      foreachBatch: (df, batchId) => {
        seen.push([batchId, ids(df)]);
      },
    });
    assert.deepEqual(seen, [[0, [0, 1]], [1, [2]]]);
    assert.equal(await DeltaTable.exists(join(dir, "target")), false);
  });
});

Deno.test("an idle Delta-source query reports no-data progress at its offset", async () => {
  await withTempDir(async (dir) => {
    const source = await sourceTable(dir);
    await source.append(rows(0, 2));
    const query = await readStream({ format: "delta", path: join(dir, "source") })
      .writeStream({
        checkpointLocation: join(dir, "checkpoint"),
        path: join(dir, "target"),
        trigger: { processingTime: 20 },
        noDataProgressEventInterval: 0,
      })
      .start();
    try {
      const idle = new Promise<DeltaQueryProgress>((resolve) =>
        query.addEventListener("progress", (e) => {
          const p = (e as CustomEvent<DeltaQueryProgress>).detail;
          if (p.numInputRows === 0) resolve(p);
        })
      );
      const progress = await idle;
      assert.equal(progress.batchId, 1);
      assert.deepEqual(
        progress.sources[0]!.endOffset,
        query.recentProgress[0]!.sources[0]!.endOffset,
      );
      assert.equal(progress.sink.version, 1);
    } finally {
      await query.stop();
    }
  });
});

Deno.test("a Delta-source query reads a catalog table and refuses a checkpoint of a recreated table", async () => {
  await withTempDir(async (dir) => {
    const lakehouseDir = join(dir, "lakehouse");
    const path = join(lakehouseDir, "default", "events");
    const first = await DeltaTable.create(path, rows(0, 1).schema);
    await first.append(rows(0, 3));
    const start = () =>
      readStream({ format: "delta", table: "events", lakehouseDir })
        .writeStream({
          checkpointLocation: join(dir, "checkpoint"),
          table: "events_copy",
          lakehouseDir,
          trigger: { availableNow: true },
        })
        .start();
    await (await start()).awaitTermination();
    assert.deepEqual(ids(await readTable(join(lakehouseDir, "default", "events_copy"))), [0, 1, 2]);
    await Deno.remove(path, { recursive: true });
    await DeltaTable.create(path, rows(0, 1).schema);
    await assert.rejects(start, /was written for table .* holds table/);
  });
});

Deno.test("readStream() refuses a startingVersion above the table's latest and a bad maxFilesPerTrigger", async () => {
  await withTempDir(async (dir) => {
    await sourceTable(dir);
    await assert.rejects(() => drain(dir, { startingVersion: 5 }), RangeError);
    assert.throws(
      () => readStream({ format: "delta", path: join(dir, "source"), maxFilesPerTrigger: 0 }),
      /maxFilesPerTrigger/,
    );
  });
});
