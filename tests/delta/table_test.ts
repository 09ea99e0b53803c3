import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  DeltaTable,
  ENGINE_INFO,
  TableExistsError,
  TableNotFoundError,
} from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

function logLines(dir: string, version: number): Array<Record<string, Record<string, unknown>>> {
  const name = `${String(version).padStart(20, "0")}.json`;
  return Deno.readTextFileSync(join(dir, "_delta_log", name)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
}

Deno.test("create() writes protocol 1/2, metaData with the Delta schema, and commitInfo", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema, {
      configuration: { "delta.appendOnly": "true" },
    });
    assert.equal(table.version, 0);
    const lines = logLines(dir, 0);
    const protocol = lines.find((l) => l.protocol)!.protocol;
    assert.deepEqual(protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    const meta = lines.find((l) => l.metaData)!.metaData!;
    assert.match(String(meta.id), /^[0-9a-f-]{36}$/);
    assert.deepEqual(meta.format, { provider: "parquet", options: {} });
    assert.deepEqual(meta.configuration, { "delta.appendOnly": "true" });
    const types = Object.fromEntries(
      JSON.parse(String(meta.schemaString)).fields.map((
        f: { name: string; type: unknown },
      ) => [f.name, f.type]),
    );
    assert.deepEqual(types, {
      id: "long",
      small: "integer",
      tiny: "short",
      word: "string",
      score: "double",
      ratio: "float",
      flag: "boolean",
      day: "date",
      at: "timestamp",
      tags: { type: "array", elementType: "string", containsNull: true },
      counts: { type: "array", elementType: "long", containsNull: true },
    });
    assert.equal(lines.find((l) => l.commitInfo)!.commitInfo!.engineInfo, ENGINE_INFO);
  });
});

Deno.test("create() refuses a second table at the same path and open() a path without one", async () => {
  await withTempDir(async (dir) => {
    await DeltaTable.create(dir, everyTypeFrame().schema);
    await assert.rejects(() => DeltaTable.create(dir, everyTypeFrame().schema), TableExistsError);
    await assert.rejects(() => DeltaTable.open(join(dir, "nothing")), TableNotFoundError);
    const again = await DeltaTable.createIfNotExists(dir, everyTypeFrame().schema);
    assert.equal(again.version, 0);
    await assert.rejects(
      () => DeltaTable.createIfNotExists(dir, { other: pl.Int64 }),
      TableExistsError,
    );
  });
});

Deno.test("create() names the column whose type has no Delta mapping", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => DeltaTable.create(dir, { ok: pl.Int64, when: pl.Time } as never),
      (error: unknown) => error instanceof TypeError && /column "when"/.test(error.message),
    );
  });
});

Deno.test("every supported type round-trips, including nulls and empty lists", async () => {
  await withTempDir(async (dir) => {
    const df = everyTypeFrame(0, 6);
    const table = await DeltaTable.create(dir, df.schema);
    await table.append(df);
    const back = (await table.read()).sort("id");
    assert.deepEqual(back.dtypes.map(String), df.dtypes.map(String));
    assert.ok(back.frameEqual(df, true), `read back:\n${back}\nexpected:\n${df}`);
    const tags = back.getColumn("tags").toArray();
    assert.deepEqual(tags[1], []);
    assert.equal(tags[2], null);
  });
});

Deno.test("a zone-less datetime column is stored as a UTC timestamp, never timestamp_ntz", async () => {
  await withTempDir(async (dir) => {
    const df = pl.DataFrame({ at: [new Date(Date.UTC(2024, 5, 1, 8, 30))] })
      .withColumns(pl.col("at").cast(pl.Datetime("ms")));
    const table = await DeltaTable.create(dir, df.schema);
    await table.append(df);
    const back = await table.read();
    assert.equal(String(back.getColumn("at").dtype), "DataType(Datetime(us,UTC))");
    assert.equal(
      (back.getColumn("at").toArray()[0] as unknown as Date).toISOString(),
      "2024-06-01T08:30:00.000Z",
    );
  });
});

Deno.test("append() refuses an unknown column and a value that does not fit its type", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, { id: pl.Int64, name: pl.Utf8 });
    await assert.rejects(
      () => table.append(pl.DataFrame({ id: [1], extra: ["x"] })),
      (error: unknown) => error instanceof TypeError && /column "extra"/.test(error.message),
    );
    await assert.rejects(
      () => table.append(pl.DataFrame({ id: ["not a number"] })),
      TypeError,
    );
    const result = await table.append(pl.DataFrame({ id: [7] }));
    assert.equal(result.rows, 1);
    assert.deepEqual((await table.read()).toRecords(), [{ id: 7, name: null }]);
  });
});

Deno.test("each version can be read back by version and by commit timestamp", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    for (let i = 0; i < 5; i++) {
      // Commits a millisecond apart at least, so that each has its own timestamp.
      const before = Date.now();
      while (Date.now() === before) await Promise.resolve();
      await table.append(everyTypeFrame(i * 10, 2));
    }
    for (let v = 0; v <= 5; v++) {
      const df = await table.read({ version: v });
      assert.equal(df.height, v * 2, `version ${v}`);
    }
    const history = await table.history();
    for (const entry of history) {
      const df = await table.read({ timestamp: entry.timestamp });
      assert.equal(df.height, entry.version * 2, `timestamp of version ${entry.version}`);
    }
    const last = history[0]!;
    assert.equal((await table.read({ timestamp: last.timestamp })).height, 10);
    await assert.rejects(() => table.read({ version: 6 }), RangeError);
    await assert.rejects(() => table.read({ timestamp: 0 }), RangeError);
  });
});

Deno.test("history() lists commits newest first with operation, parameters and metrics", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    await table.append(everyTypeFrame());
    await table.append(everyTypeFrame(), {
      txn: { appId: "query-1", version: 0 },
      operation: "STREAMING UPDATE",
      operationParameters: { outputMode: "Append", queryId: "query-1", epochId: 0 },
    });
    const history = await table.history();
    assert.deepEqual(history.map((h) => [h.version, h.operation]), [
      [2, "STREAMING UPDATE"],
      [1, "WRITE"],
      [0, "CREATE TABLE"],
    ]);
    assert.deepEqual(history[0]!.operationParameters, {
      outputMode: "Append",
      queryId: "query-1",
      epochId: "0",
    });
    assert.equal(history[1]!.operationMetrics.numOutputRows, "3");
    assert.equal(history[0]!.engineInfo, ENGINE_INFO);
    const display = (history as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for("Jupyter.display")
    ]!;
    const html = display();
    assert.match(html["text/html"]!, /<table>.*STREAMING UPDATE/);
    assert.deepEqual((await table.history({ limit: 1 })).map((h) => h.version), [2]);
  });
});

Deno.test("the same txn appended twice writes one commit and no second file", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    const txn = { appId: "query-1", version: 4 };
    const first = await table.append(everyTypeFrame(), { txn });
    assert.deepEqual([first.version, first.skipped, first.rows], [1, false, 3]);
    const second = await table.append(everyTypeFrame(), { txn });
    assert.deepEqual([second.version, second.skipped, second.files], [1, true, 0]);
    const older = await table.append(everyTypeFrame(), { txn: { appId: "query-1", version: 2 } });
    assert.ok(older.skipped);
    const other = await DeltaTable.open(dir);
    assert.equal(await other.txnVersion("query-1"), 4);
    assert.equal(await other.txnVersion("query-2"), undefined);
    const parquet = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".parquet"));
    assert.equal(parquet.length, 1);
    assert.equal((await other.read()).height, 3);
    const txnLine = logLines(dir, 1).find((l) => l.txn)!.txn!;
    assert.equal(txnLine.appId, "query-1");
    assert.equal(txnLine.version, 4);
    assert.equal(typeof txnLine.lastUpdated, "number");
  });
});

Deno.test("add actions carry size, modificationTime, dataChange and exact stats", async () => {
  await withTempDir(async (dir) => {
    const table = await DeltaTable.create(dir, everyTypeFrame().schema);
    await table.append(everyTypeFrame(0, 3));
    const add = logLines(dir, 1).find((l) => l.add)!.add!;
    assert.match(String(add.path), /^part-00000-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    assert.equal(add.size, Deno.statSync(join(dir, String(add.path))).size);
    assert.equal(add.dataChange, true);
    assert.equal(typeof add.modificationTime, "number");
    const stats = JSON.parse(String(add.stats));
    assert.equal(stats.numRecords, 3);
    assert.equal(stats.minValues.id, 0);
    assert.equal(stats.maxValues.id, 2);
    assert.equal(stats.minValues.word, "word-0");
    assert.equal(stats.minValues.day, "2024-01-01");
    assert.equal(stats.minValues.at, "2024-01-01T12:00:00.123Z");
    assert.equal(stats.maxValues.at, "2024-01-01T12:00:02.123Z");
    assert.equal(stats.nullCount.tags, 1);
    assert.equal(stats.nullCount.word, 1);
    assert.equal(stats.minValues.tags, undefined);
  });
});

Deno.test("a partitioned table writes hive directories and reads partition values from the log", async () => {
  await withTempDir(async (dir) => {
    const df = pl.DataFrame({
      id: [1, 2, 3, 4],
      category: ["art", "diy and crafts", null, "art"],
      at: [new Date(Date.UTC(2024, 0, 1, 8, 9, 10)), null, null, null],
    }).withColumns(pl.col("id").cast(pl.Int64), pl.col("at").cast(pl.Datetime("us", "UTC")));
    const table = await DeltaTable.create(dir, df.schema, { partitionColumns: ["category", "at"] });
    const result = await table.append(df);
    assert.equal(result.files, 4);
    const paths = table.snapshot.files.map((f) => f.path).sort();
    assert.ok(
      paths.some((p) => p.startsWith("category=art/at=2024-01-01T08%253A09%253A10.000000Z/")),
    );
    assert.ok(
      paths.some((p) => p.startsWith("category=diy%20and%20crafts/at=__HIVE_DEFAULT_PARTITION__/")),
    );
    assert.ok(await Deno.stat(join(dir, "category=__HIVE_DEFAULT_PARTITION__")));
    const back = (await table.read()).sort("id");
    assert.ok(back.frameEqual(df, true), String(back));
  });
});
