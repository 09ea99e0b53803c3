import assert from "node:assert/strict";
import { join } from "node:path";
import { healthPoint } from "../../lib/analytics/charts.ts";
import { ProgressReader } from "../../lib/dashboard/progress.ts";
import { withTempDir } from "../_helpers.ts";
import { progress, writeProgress } from "./_fixtures.ts";

Deno.test("ProgressReader merges a query's runs by time and keeps its newest batches", async () => {
  await withTempDir(async (dir) => {
    const first = progress("q", 0, 1, 1);
    const second = { ...progress("q", 1, 2, 2), runId: "run-2" };
    const third = { ...progress("q", 2, 3, 3), runId: "run-2" };
    await writeProgress(dir, "q", [first]);
    await writeProgress(dir, "q", [second, third]);
    const reader = new ProgressReader(dir, { retain: 5 });
    const [query] = await reader.read();
    assert.deepEqual(query?.recent, [first, second, third].map(healthPoint));
    assert.equal(query?.runId, "run-2");
    assert.deepEqual((await reader.read(1))[0]?.recent, [healthPoint(third)]);
  });
});

Deno.test("ProgressReader starts a progress file over when it was replaced by a shorter one", async () => {
  await withTempDir(async (dir) => {
    await writeProgress(dir, "q", [progress("q", 0, 1, 1), progress("q", 1, 1, 2)]);
    const reader = new ProgressReader(dir);
    assert.equal((await reader.read())[0]?.recent.length, 2);
    const file = join(dir, "q", "progress", "run-q.jsonl");
    await Deno.writeTextFile(file, JSON.stringify(progress("q", 0, 9, 1)) + "\n");
    assert.deepEqual((await reader.read())[0]?.recent, [healthPoint(progress("q", 0, 9, 1))]);
    await Deno.remove(join(dir, "q"), { recursive: true });
    assert.deepEqual(await reader.read(), []);
  });
});

Deno.test("ProgressReader keeps at most `retain` batches per file and skips damaged lines", async () => {
  await withTempDir(async (dir) => {
    const reports = [0, 1, 2, 3].map((i) => progress("q", i, i, i));
    await writeProgress(dir, "q", reports.slice(0, 2));
    await Deno.writeTextFile(join(dir, "q", "progress", "run-q.jsonl"), "not json\n{}\n", {
      append: true,
    });
    await writeProgress(dir, "q", reports.slice(2));
    const reader = new ProgressReader(dir, { retain: 3 });
    assert.deepEqual((await reader.read())[0]?.recent, reports.slice(1).map(healthPoint));
    assert.throws(() => new ProgressReader(dir, { retain: 0 }), RangeError);
    await assert.rejects(() => reader.read(0), RangeError);
  });
});

Deno.test("ProgressReader reads nothing from a checkpoint directory that does not exist", async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(await new ProgressReader(join(dir, "missing")).read(), []);
  });
});
