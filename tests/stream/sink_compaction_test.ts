import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { AUTO_COMPACT_MIN_FILES, DeltaTable } from "../../lib/delta/mod.ts";
import { DeltaSink } from "../../lib/stream/mod.ts";
import { withTempDir } from "../_helpers.ts";

const BATCHES = 200;
const ROWS = 5;

/** Batch `b` of the test stream: rows ind = b * ROWS .. b * ROWS + ROWS - 1. */
function batch(b: number): pl.DataFrame {
  const ind = Array.from({ length: ROWS }, (_, i) => b * ROWS + i);
  return pl.DataFrame({ ind, title: ind.map((i) => `post ${i}`) })
    .withColumns(pl.col("ind").cast(pl.Int64));
}

function inds(df: pl.DataFrame): number[] {
  return (df.getColumn("ind").toArray() as (number | bigint)[]).map(Number).sort((a, b) => a - b);
}

Deno.test("a streaming sink's table compacts itself: 200 micro-batches leave at most 50 live files, every row once, and old versions still read", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "table");
    const sink = new DeltaSink(path);
    const query = "00000000-0000-4000-8000-00000000c0de";
    for (let b = 0; b < BATCHES; b++) {
      const result = await sink.addBatch(query, b, batch(b));
      assert.equal(result.rows, ROWS);
    }
    await sink.close();
    const table = await DeltaTable.open(path);
    assert.equal(table.configuration["delta.autoOptimize.autoCompact"], "true");
    assert.ok(
      table.snapshot.files.length <= AUTO_COMPACT_MIN_FILES,
      `${table.snapshot.files.length} live files`,
    );
    const all = Array.from({ length: BATCHES * ROWS }, (_, i) => i);
    assert.deepEqual(inds(await table.read()), all);
    // Compactions are OPTIMIZE commits that change no data, between the batches' own commits.
    const history = await table.history();
    const optimizes = history.filter((h) => h.operation === "OPTIMIZE");
    assert.ok(optimizes.length >= Math.floor(BATCHES / AUTO_COMPACT_MIN_FILES) - 1);
    const appends = history.filter((h) => h.operation === "STREAMING UPDATE");
    assert.equal(appends.length, BATCHES);
    // Time travel: the version of the 10th batch's commit holds exactly the first 10 batches.
    const tenth = [...appends].sort((a, b) => a.version - b.version)[9]!.version;
    assert.deepEqual(inds(await table.read({ version: tenth })), all.slice(0, 10 * ROWS));
    // The txn of the last batch is kept across compactions: a re-run is skipped.
    assert.equal((await sink.addBatch(query, BATCHES - 1, batch(BATCHES - 1))).skipped, true);
  });
});
