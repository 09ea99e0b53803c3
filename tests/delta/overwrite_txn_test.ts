import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { CommitConflictError, DeltaTable } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

function ids(df: pl.DataFrame): number[] {
  return df.getColumn("id").toArray().map(Number).sort((a, b) => a - b);
}

function gold(rows: Array<[string, number]>): pl.DataFrame {
  return pl.DataFrame({ category: rows.map((r) => r[0]), pins: rows.map((r) => r[1]) })
    .withColumns(pl.col("pins").cast(pl.Int64));
}

Deno.test("overwrite() removes every live file and adds the new ones in one WRITE commit", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    await table.append(everyTypeFrame(0, 3));
    await table.append(everyTypeFrame(3, 3));
    const old = table.snapshot.files.map((f) => f.path).sort();
    const result = await table.overwrite(everyTypeFrame(10, 2), {
      txn: { appId: "daily", version: 1 },
    });
    assert.deepEqual([result.version, result.skipped, result.files, result.rows], [3, false, 1, 2]);
    const text = Deno.readTextFileSync(`${dir}/_delta_log/${"3".padStart(20, "0")}.json`);
    const actions = text.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      actions.filter((a) => a.remove).map((a) => [a.remove.path, a.remove.dataChange]).sort(),
      old.map((p) => [p, true]),
    );
    assert.equal(actions.filter((a) => a.add).length, 1);
    const info = actions.find((a) => a.commitInfo).commitInfo;
    assert.deepEqual([info.operation, info.operationParameters.mode], ["WRITE", "Overwrite"]);
    assert.deepEqual(ids(await table.read()), [10, 11]);
    assert.deepEqual(ids(await table.read({ version: 2 })), [0, 1, 2, 3, 4, 5]);
    const again = await table.overwrite(everyTypeFrame(20, 2), {
      txn: { appId: "daily", version: 1 },
    });
    assert.deepEqual([again.version, again.skipped], [3, true]);
  });
});

Deno.test("overwrite() of an empty table takes the rows' schema and partitioning; a full one keeps its own", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, { id: pl.Int64 });
    const first = gold([["art", 3], ["diy", 5]]);
    await table.overwrite(first, { partitionBy: ["category"] });
    assert.deepEqual(table.partitionColumns, ["category"]);
    assert.deepEqual(table.schema.fields.map((f) => [f.name, f.type]), [
      ["category", "string"],
      ["pins", "long"],
    ]);
    assert.deepEqual((await table.read()).sort("category").toRecords(), first.toRecords());
    await assert.rejects(
      () => table.overwrite(first, { partitionBy: [] }),
      /Cannot overwrite .* partitioned by \[\]: the table is partitioned by \["category"\]/,
    );
    await assert.rejects(
      () => table.overwrite(first.withColumns(pl.lit(1).alias("extra"))),
      /Cannot write column "extra": the table has no such column/,
    );
    await table.overwrite(gold([["art", 4]]));
    assert.deepEqual((await table.read()).toRecords(), [{ category: "art", pins: 4 }]);
  });
});

Deno.test("overwrite() gives up when another writer appends meanwhile, and leaves no file behind", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    await table.append(everyTypeFrame(0, 2));
    const other = await DeltaTable.open(dir);
    await assert.rejects(
      () =>
        table.overwrite(everyTypeFrame(10, 2), {
          beforeCommit: async () => {
            await other.append(everyTypeFrame(2, 2));
          },
        }),
      (error: unknown) =>
        error instanceof CommitConflictError &&
        /another writer added data meanwhile/.test(error.message),
    );
    const parquet = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".parquet"));
    assert.equal(parquet.length, 2, "the overwrite's own file was deleted");
    assert.deepEqual(ids(await (await DeltaTable.open(dir)).read()), [0, 1, 2, 3]);
  });
});
