import assert from "node:assert/strict";
import { join } from "node:path";
import { DeltaTable } from "../../lib/delta/mod.ts";
import {
  type AnalyticsQueryOptions,
  type GoldQuery,
  type GoldQueryProgress,
  resetCheckpoint,
  type SilverDataFrames,
  startAnalyticsQuery,
} from "../../lib/stream/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { readTable, rowSet } from "./_fixtures.ts";
import {
  compute,
  geoRows,
  KINDS,
  options,
  pinRows,
  silverTables,
  userRows,
} from "./_gold_fixtures.ts";

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Checks every gold table against compute() over the silver versions the batch recorded. */
async function assertGoldMatches(query: GoldQuery, progress: GoldQueryProgress): Promise<void> {
  const silver = {} as SilverDataFrames;
  for (const kind of KINDS) {
    silver[kind] = await (await DeltaTable.open(query.silverPaths[kind]))
      .read({ version: progress.silverVersions[kind] });
  }
  const expected = compute(silver);
  assert.deepEqual(Object.keys(progress.tables).sort(), Object.keys(expected).sort());
  for (const [name, df] of Object.entries(expected)) {
    const gold = await readTable(query.goldTablePath(name));
    assert.deepEqual(rowSet(gold), rowSet(df), `gold table ${name}`);
  }
}

async function goldVersions(query: GoldQuery): Promise<number[]> {
  const names = ["category_count", "posts_by_country", "users_total"];
  return await Promise.all(
    names.map(async (n) => (await DeltaTable.open(query.goldTablePath(n))).version),
  );
}

Deno.test("the live gold query keeps each gold table equal to compute() over the silver versions it recorded", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.pin!.append(pinRows(0, 6));
    await silver.geo!.append(geoRows(0, 6));
    await silver.user!.append(userRows(0, 6));
    const query = await startAnalyticsQuery(options(dir));
    try {
      await query.processAllAvailable();
      const first = query.lastProgress!;
      assert.equal(first.batchId, 0);
      assert.deepEqual(first.silverVersions, { pin: 1, geo: 1, user: 1 });
      assert.equal(first.numInputRows, 18);
      assert.deepEqual(first.sources.map((s) => s.endOffset.version), [1, 1, 1]);
      assert.deepEqual(first.sources.map((s) => s.startOffset), [null, null, null]);
      await assertGoldMatches(query, first);
      const categories = await readTable(query.goldTablePath("category_count"));
      assert.deepEqual(rowSet(categories), [
        '{"category":"art","category_count":3}',
        '{"category":"food","category_count":3}',
      ]);

      await silver.pin!.append(pinRows(6, 9));
      await silver.geo!.append(geoRows(6, 9));
      await query.processAllAvailable();
      // A trigger may fall between the two appends: then two batches, the last on both.
      const second = query.lastProgress!;
      assert.ok(second.batchId >= 1);
      assert.deepEqual(second.silverVersions, { pin: 2, geo: 2, user: 1 });
      assert.equal(second.sources[2]!.startOffset?.version, 1);
      await assertGoldMatches(query, second);
      const gold = await DeltaTable.open(query.goldTablePath("users_total"));
      assert.equal(await gold.txnVersion(query.id), second.batchId);
      assert.deepEqual(query.recentProgress.map((p) => p.batchId), range(second.batchId + 1));
    } finally {
      await query.stop();
    }
    assert.equal(query.isActive, false);
  });
});

Deno.test("a restarted gold query computes nothing until a silver table changes, then continues its batch ids", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.pin!.append(pinRows(0, 4));
    const first = await startAnalyticsQuery(options(dir));
    await first.processAllAvailable();
    await first.stop();
    const before = await goldVersions(first);

    const second = await startAnalyticsQuery(options(dir));
    try {
      await second.processAllAvailable();
      assert.equal(second.id, first.id);
      assert.equal(second.recentProgress.length, 0);
      assert.deepEqual(await goldVersions(second), before);

      await silver.user!.append(userRows(0, 5));
      await second.processAllAvailable();
      const progress = second.lastProgress!;
      assert.equal(progress.batchId, 1);
      assert.deepEqual(progress.silverVersions, { pin: 1, geo: 0, user: 1 });
      await assertGoldMatches(second, progress);
    } finally {
      await second.stop();
    }
  });
});

Deno.test("a gold batch with offsets but no commit is re-run on the silver versions it recorded", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.pin!.append(pinRows(0, 4));
    await silver.geo!.append(geoRows(0, 4));
    const first = await startAnalyticsQuery({ ...options(dir), trigger: { availableNow: true } });
    await first.awaitTermination();
    const before = await goldVersions(first);
    // As if the process died after the gold commits, before commits/0.
    await Deno.remove(join(first.checkpointLocation, "commits", "0"));
    await silver.pin!.append(pinRows(4, 8));

    const second = await startAnalyticsQuery({ ...options(dir), trigger: { availableNow: true } });
    await second.awaitTermination();
    const [rerun, next] = second.recentProgress;
    assert.equal(rerun!.batchId, 0);
    assert.deepEqual(rerun!.silverVersions, { pin: 1, geo: 1, user: 0 });
    assert.ok(Object.values(rerun!.tables).every((t) => t.skipped));
    assert.deepEqual(Object.values(rerun!.tables).map((t) => t.version), before);
    assert.equal(next!.batchId, 1);
    assert.deepEqual(next!.silverVersions, { pin: 2, geo: 1, user: 0 });
    assert.equal(second.recentProgress.length, 2);
    await assertGoldMatches(second, next!);
  });
});

Deno.test("the gold query waits for all three silver tables to exist", async () => {
  await withTempDir(async (dir) => {
    const query = await startAnalyticsQuery(options(dir));
    try {
      await query.processAllAvailable();
      assert.equal(query.recentProgress.length, 0);
      await silverTables(join(dir, "lakehouse"));
      await query.processAllAvailable();
      assert.equal(query.lastProgress!.batchId, 0);
      assert.deepEqual(query.lastProgress!.silverVersions, { pin: 0, geo: 0, user: 0 });
      await assertGoldMatches(query, query.lastProgress!);
    } finally {
      await query.stop();
    }
  });
});

Deno.test("startAnalyticsQuery() refuses a compute that is not a function", async () => {
  await assert.rejects(
    () => startAnalyticsQuery({ compute: 42 } as unknown as AnalyticsQueryOptions),
    /compute must be a function/,
  );
});

Deno.test("an idle gold query reports no-data progress with the silver versions of its last batch", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.geo!.append(geoRows(0, 2));
    const query = await startAnalyticsQuery({ ...options(dir), noDataProgressEventInterval: 0 });
    try {
      const idle = await new Promise<GoldQueryProgress>((resolve) =>
        query.addEventListener("progress", (e) => {
          const p = (e as CustomEvent<GoldQueryProgress>).detail;
          if (p.numInputRows === 0) resolve(p);
        })
      );
      assert.equal(idle.batchId, 1);
      assert.deepEqual(idle.silverVersions, { pin: 0, geo: 1, user: 0 });
      assert.deepEqual(idle.tables, {});
    } finally {
      await query.stop();
    }
  });
});

Deno.test("silver commits that change no data (OPTIMIZE, an empty batch) do not recompute the gold tables", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.pin!.append(pinRows(0, 2));
    await silver.pin!.append(pinRows(2, 4));
    const query = await startAnalyticsQuery(options(dir));
    try {
      await query.processAllAvailable();
      const before = await goldVersions(query);
      assert.equal((await silver.pin!.optimize()).filesRemoved, 2);
      await silver.user!.append(userRows(0, 0));
      await query.processAllAvailable();
      assert.equal(query.recentProgress.length, 1);
      assert.deepEqual(await goldVersions(query), before);
      await silver.user!.append(userRows(0, 3));
      await query.processAllAvailable();
      const last = query.lastProgress!;
      assert.equal(last.batchId, 1);
      assert.deepEqual(last.silverVersions, { pin: 3, geo: 0, user: 2 });
      assert.deepEqual(last.sources.map((s) => s.startOffset?.version), [3, 0, 1]);
      await assertGoldMatches(query, last);
    } finally {
      await query.stop();
    }
  });
});

Deno.test("resetCheckpoint() discards a gold checkpoint, and the next start recomputes with a new query id", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.pin!.append(pinRows(0, 2));
    const first = await startAnalyticsQuery({ ...options(dir), trigger: { availableNow: true } });
    await first.awaitTermination();
    const reset = await resetCheckpoint(first.checkpointLocation);
    assert.equal(reset.queryId, first.id);
    assert.equal(reset.lastCommittedBatch, 0);
    assert.equal(reset.offsets, null);
    assert.match(reset.message, /reading Delta tables, 1 committed batches/);
    const second = await startAnalyticsQuery({ ...options(dir), trigger: { availableNow: true } });
    await second.awaitTermination();
    assert.notEqual(second.id, first.id);
    assert.equal(second.lastProgress!.batchId, 0);
    await assertGoldMatches(second, second.lastProgress!);
  });
});

Deno.test("a gold checkpoint written for another user id is refused", async () => {
  await withTempDir(async (dir) => {
    const first = await startAnalyticsQuery({ ...options(dir), queryName: "gold" });
    await first.stop();
    await assert.rejects(
      () => startAnalyticsQuery({ ...options(dir), queryName: "gold", userId: "other1" }),
      /written for user id "goldtest1", not "other1"/,
    );
  });
});

Deno.test("a gold query process killed between offsets and the gold commits re-runs that batch on the same silver versions", async () => {
  await withTempDir(async (dir) => {
    const silver = await silverTables(join(dir, "lakehouse"));
    await silver.pin!.append(pinRows(0, 4));
    await silver.geo!.append(geoRows(0, 4));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(import.meta.dirname!, "_gold_crash_child.ts"), dir],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let exited = false;
    const status = child.status.finally(() => exited = true);
    try {
      // Polls for the child's marker: it is inside compute, offsets/0 written.
      while (!exited) {
        try {
          await Deno.stat(join(dir, "computing"));
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      assert.equal(exited, false, "the child exited before computing");
    } finally {
      if (!exited) child.kill("SIGKILL");
      await status;
      await child.stderr.cancel();
    }
    const checkpoint = join(dir, "checkpoints", "goldtest1_gold_query");
    assert.ok((await Deno.stat(join(checkpoint, "offsets", "0"))).isFile);
    await assert.rejects(() => Deno.stat(join(checkpoint, "commits", "0")), Deno.errors.NotFound);

    await silver.pin!.append(pinRows(4, 6));
    const query = await startAnalyticsQuery({ ...options(dir), trigger: { availableNow: true } });
    await query.awaitTermination();
    const [rerun, next] = query.recentProgress;
    assert.equal(query.recentProgress.length, 2);
    assert.equal(rerun!.batchId, 0);
    assert.deepEqual(rerun!.silverVersions, { pin: 1, geo: 1, user: 0 });
    assert.ok(Object.values(rerun!.tables).every((t) => !t.skipped));
    assert.equal(next!.batchId, 1);
    assert.deepEqual(next!.silverVersions, { pin: 2, geo: 1, user: 0 });
    await assertGoldMatches(query, next!);
    const history = await (await DeltaTable.open(query.goldTablePath("category_count"))).history();
    assert.deepEqual(
      [...history].map((h) => h.operation),
      ["WRITE", "WRITE", "CREATE TABLE"],
    );
  });
});
