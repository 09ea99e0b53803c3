/**
 * The gold tables of the real rows in `../shared/data/pinterest/`, cleaned
 * and written as silver Delta tables as the pipeline does, against the same
 * answers computed by DuckDB SQL over the silver tables' parquet files (the
 * SQL is the reference of `deno task bench analytics`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../../lib/clean/mod.ts";
import { Catalog } from "../../lib/catalog.ts";
import { tableName } from "../../lib/config.ts";
import { RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { GOLD_TABLES, writeGoldTables } from "../../lib/analytics/mod.ts";
import { SHARED_DIR, skipWithoutShared, withTempDir } from "../_helpers.ts";
import { goldRows, postsSql } from "../../bench/analytics.ts";

const ignore = skipWithoutShared("analytics on the real rows");
const USER_ID = "real";

/** The real rows of one kind: the joined ones, then the partial ones (with no partner rows). */
async function sharedRecords(kind: RecordKind): Promise<object[]> {
  const dir = join(SHARED_DIR!, "data", "pinterest");
  const records: object[] = [];
  for (const path of [join(dir, `${kind}.ndjson`), join(dir, "partial", `${kind}.ndjson`)]) {
    for (const line of (await Deno.readTextFile(path)).split("\n")) {
      if (line.trim()) records.push(JSON.parse(line));
    }
  }
  return records;
}

const CLEANERS = { pin: cleanPin, geo: cleanGeo, user: cleanUser };

/** Writes the cleaned real rows as the three silver tables; returns each table's data files. */
async function writeSilver(catalog: Catalog): Promise<Record<RecordKind, string[]>> {
  const files = {} as Record<RecordKind, string[]>;
  for (const kind of RECORD_KINDS) {
    const { df } = await CLEANERS[kind](rawFrame(kind, await sharedRecords(kind)));
    const table = await catalog.create(tableName(USER_ID, kind), df.schema);
    await table.append(df);
    files[kind] = table.snapshot.files.map((f) => join(table.path, decodeURIComponent(f.path)));
  }
  return files;
}

async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

Deno.test({
  name: "writeGoldTables() on the real rows writes exactly the rows DuckDB SQL computes",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const catalog = new Catalog({ lakehouseDir: dir });
      const files = await writeSilver(catalog);
      const reports = await writeGoldTables(catalog, USER_ID);
      assert.deepEqual(
        reports.map((r) => [r.name, r.table, r.version]),
        GOLD_TABLES.map((t) => [t.name, `default.${USER_ID}_${t.name}`, 1]),
      );
      const instance = await DuckDBInstance.create(":memory:");
      const con = await instance.connect();
      try {
        // DuckDB's median is exact and averages the two middle values of an even count.
        assert.deepEqual(
          await rows(con, "SELECT median(x::DOUBLE) AS m FROM (VALUES (1), (2), (4), (10)) t(x)"),
          [{ m: 3 }],
        );
        await con.run(postsSql(files));
        const [{ n }] = await rows(con, "SELECT count(*)::INTEGER AS n FROM posts") as [
          { n: number },
        ];
        assert.equal(n, 2028);
        for (const spec of GOLD_TABLES) {
          const expected = await goldRows(con, spec.name);
          assert.ok(expected.length > 0, spec.name);
          const gold = await (await catalog.open(`${USER_ID}_${spec.name}`)).read();
          assert.deepEqual(gold.columns, [...spec.columns], spec.name);
          assert.deepEqual(gold.toRecords(), expected, spec.name);
          assert.equal(reports.find((r) => r.name === spec.name)!.rows, expected.length);
        }
      } finally {
        con.closeSync();
        instance.closeSync();
      }
    });
  },
});
