import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DeltaTable } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

async function withDuckDB<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

function sqlList(paths: string[]): string {
  return `[${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(", ")}]`;
}

async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

Deno.test("DuckDB reads every data file we write with the Delta types and the rows we appended", async () => {
  await withTempDir(async (dir) => {
    const first = everyTypeFrame(0, 6);
    const second = everyTypeFrame(6, 4);
    const table = await DeltaTable.create(dir, first.schema);
    await table.append(first);
    await table.append(second);
    const files = table.snapshot.files.map((f) => join(dir, decodeURIComponent(f.path)));
    assert.equal(files.length, 2);
    await withDuckDB(async (con) => {
      const types = Object.fromEntries(
        (await rows(con, `DESCRIBE SELECT * FROM read_parquet(${sqlList(files)})`))
          .map((r) => [r.column_name, r.column_type]),
      );
      assert.deepEqual(types, {
        id: "BIGINT",
        small: "INTEGER",
        tiny: "SMALLINT",
        word: "VARCHAR",
        score: "DOUBLE",
        ratio: "FLOAT",
        flag: "BOOLEAN",
        day: "DATE",
        at: "TIMESTAMP WITH TIME ZONE",
        tags: "VARCHAR[]",
        counts: "BIGINT[]",
      });
      const utc = await rows(
        con,
        `SELECT name, logical_type FROM parquet_schema('${files[0]}') WHERE name = 'at'`,
      );
      assert.match(String(utc[0]!.logical_type), /isAdjustedToUTC=1/);
      const got = await rows(
        con,
        `SELECT id, small, tiny, word, score, ratio, flag, strftime(day, '%Y-%m-%d') AS day,
           epoch_us("at") AS "at", to_json(tags) AS tags, to_json(counts) AS counts
         FROM read_parquet(${sqlList(files)}) ORDER BY id`,
      );
      const expected = pl.concat([first, second]).select(
        pl.col("id"),
        pl.col("small"),
        pl.col("tiny"),
        pl.col("word"),
        pl.col("score"),
        pl.col("ratio"),
        pl.col("flag"),
        pl.col("day").cast(pl.Utf8),
        pl.col("at").cast(pl.Int64),
        pl.col("tags"),
        pl.col("counts"),
      ).toRecords();
      const normalize = (r: Record<string, unknown>) => ({
        id: Number(r.id),
        small: r.small === null ? null : Number(r.small),
        tiny: Number(r.tiny),
        word: r.word,
        score: r.score === null ? null : Number(r.score),
        ratio: Number(r.ratio),
        flag: r.flag,
        day: r.day,
        at: r.at === null ? null : Number(r.at),
        tags: typeof r.tags === "string" ? JSON.parse(r.tags) : r.tags,
        counts: typeof r.counts === "string" ? JSON.parse(r.counts) : r.counts,
      });
      assert.deepEqual(got.map(normalize), expected.map(normalize));
    });
  });
});

Deno.test("our checkpoint has parquet MAP columns and DuckDB reads the same files and txns from it", async () => {
  await withTempDir(async (dir) => {
    const df = everyTypeFrame(0, 3);
    const table = await DeltaTable.create(dir, df.schema, {
      partitionColumns: ["word"],
      configuration: { "delta.checkpointInterval": "2" },
    });
    await table.append(df, { txn: { appId: "query-1", version: 0 } });
    await table.append(df, { txn: { appId: "query-1", version: 1 } });
    const checkpoint = join(dir, "_delta_log", "00000000000000000002.checkpoint.parquet");
    const last = JSON.parse(await Deno.readTextFile(join(dir, "_delta_log", "_last_checkpoint")));
    assert.equal(last.version, 2);
    await withDuckDB(async (con) => {
      const schema = await rows(
        con,
        `SELECT name, repetition_type, converted_type FROM parquet_schema('${checkpoint}')`,
      );
      const maps = schema.filter((r) => r.converted_type === "MAP").map((r) => r.name);
      assert.deepEqual(maps.sort(), [
        "configuration",
        "options",
        "partitionValues",
        "partitionValues",
        "tags",
      ]);
      assert.ok(schema.some((r) => r.name === "key_value" && r.repetition_type === "REPEATED"));
      assert.ok(schema.some((r) => r.name === "key" && r.repetition_type === "REQUIRED"));
      const adds = await rows(
        con,
        `SELECT add.path AS path, add.partitionValues['word'] AS word
         FROM read_parquet('${checkpoint}') WHERE add IS NOT NULL ORDER BY path`,
      );
      assert.deepEqual(
        adds.map((r) => r.path),
        table.snapshot.files.map((f) => f.path).sort(),
      );
      assert.ok(adds.some((r) => r.word === null));
      const txns = await rows(
        con,
        `SELECT txn.appId AS app, txn.version AS version FROM read_parquet('${checkpoint}')
         WHERE txn IS NOT NULL`,
      );
      assert.deepEqual(txns.map((r) => [r.app, Number(r.version)]), [["query-1", 1]]);
      const meta = await rows(
        con,
        `SELECT metaData.configuration['delta.checkpointInterval'] AS interval,
           protocol FROM read_parquet('${checkpoint}') WHERE metaData IS NOT NULL`,
      );
      assert.equal(meta[0]!.interval, "2");
    });
    const reopened = await DeltaTable.open(dir);
    assert.equal(reopened.snapshot.source.checkpoint, 2);
    assert.equal((await reopened.read()).height, 6);
  });
});
