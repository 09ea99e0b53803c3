/**
 * The gold tables of the real rows in `../shared/data/pinterest/`, cleaned
 * and written as silver Delta tables as the pipeline does, against the same
 * answers computed by DuckDB SQL over the silver tables' parquet files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../../lib/clean/mod.ts";
import { Catalog } from "../../lib/catalog.ts";
import { tableName } from "../../lib/config.ts";
import { RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { GOLD_TABLES, type GoldName, writeGoldTables } from "../../lib/analytics/mod.ts";
import { SHARED_DIR, skipWithoutShared, withTempDir } from "../_helpers.ts";

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

function sqlList(paths: string[]): string {
  return `[${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(", ")}]`;
}

async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

const AGE_GROUP =
  `CASE WHEN age BETWEEN 18 AND 24 THEN '18-24' WHEN age BETWEEN 25 AND 35 THEN '25-35'
  WHEN age BETWEEN 36 AND 50 THEN '36-50' WHEN age > 50 THEN '+50' END`;
const AGE_ORDER = `list_position(['18-24', '25-35', '36-50', '+50'], age_group)`;
const UTC_YEAR = (column: string) => `year(make_timestamp(epoch_us(${column})))`;

function mostPopular(group: string, where: string): string {
  return `SELECT ${group}, category, category_count FROM (
      SELECT ${group}, category, count(*) AS category_count,
        rank() OVER (PARTITION BY ${group} ORDER BY count(*) DESC) AS r
      FROM posts WHERE ${group} IS NOT NULL AND category IS NOT NULL AND ${where}
      GROUP BY ${group}, category)
    WHERE r = 1`;
}

const TOP_POSTERS = `SELECT DISTINCT country, poster_name, follower_count FROM (
    SELECT country, poster_name, follower_count,
      rank() OVER (PARTITION BY country ORDER BY follower_count DESC) AS r
    FROM posts WHERE country IS NOT NULL AND poster_name IS NOT NULL AND follower_count IS NOT NULL)
  WHERE r = 1`;

function medians(groups: string, where: string): string {
  return `SELECT ${groups}, median(follower_count::DOUBLE) AS median_follower_count
    FROM posts WHERE follower_count IS NOT NULL AND ${where} GROUP BY ${groups}`;
}

const JOINED = "join_year BETWEEN 2015 AND 2020";

/** The nine answers in DuckDB SQL over the table `posts`. */
const SQL: Record<GoldName, string> = {
  category_by_country: `${mostPopular("country", "true")} ORDER BY country, category`,
  category_by_year: `${
    mostPopular("geo_year", "geo_year BETWEEN 2018 AND 2022").replace(
      /^SELECT geo_year,/,
      "SELECT geo_year AS post_year,",
    )
  } ORDER BY post_year, category`,
  top_poster_by_country: `${TOP_POSTERS} ORDER BY country, poster_name`,
  top_country: `SELECT DISTINCT country, follower_count FROM (
      SELECT country, follower_count, rank() OVER (ORDER BY follower_count DESC) AS r
      FROM (${TOP_POSTERS}))
    WHERE r = 1 ORDER BY country`,
  category_by_age_group: `${mostPopular("age_group", "true")} ORDER BY ${AGE_ORDER}, category`,
  median_followers_by_age_group: `${
    medians("age_group", "age_group IS NOT NULL")
  } ORDER BY ${AGE_ORDER}`,
  users_joined_by_year: `SELECT join_year AS post_year, count(*) AS number_users_joined FROM (
      SELECT DISTINCT join_year, user_name, date_joined FROM posts
      WHERE user_name IS NOT NULL AND ${JOINED})
    GROUP BY join_year ORDER BY post_year`,
  median_followers_by_join_year: `SELECT join_year AS post_year, median_follower_count FROM (${
    medians("join_year", JOINED)
  }) ORDER BY post_year`,
  median_followers_by_age_group_and_join_year:
    `SELECT age_group, join_year AS post_year, median_follower_count FROM (${
      medians("age_group, join_year", `age_group IS NOT NULL AND ${JOINED}`)
    }) ORDER BY ${AGE_ORDER}, post_year`,
};

/** Each silver table deduplicated by ind (first row in file order) and joined on ind. */
function postsSql(files: Record<RecordKind, string[]>): string {
  const first = (kind: RecordKind, columns: string) =>
    `SELECT ${columns} FROM (
      SELECT *, row_number() OVER (PARTITION BY ind ORDER BY filename, file_row_number) AS n
      FROM read_parquet(${sqlList(files[kind])}, filename = true, file_row_number = true)
      WHERE ind IS NOT NULL)
    WHERE n = 1`;
  return `CREATE TABLE posts AS
    SELECT ind, category, poster_name, follower_count, country, ${
    UTC_YEAR("timestamp")
  } AS geo_year,
      user_name, age, date_joined, ${
    UTC_YEAR("date_joined")
  } AS join_year, ${AGE_GROUP} AS age_group
    FROM (${first("pin", "ind, category, poster_name, follower_count")})
    JOIN (${first("geo", "ind, country, timestamp")}) USING (ind)
    JOIN (${first("user", "ind, user_name, age, date_joined")}) USING (ind)`;
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
          const expected = (await rows(con, SQL[spec.name])).map((row) =>
            Object.fromEntries(
              spec.columns.map((c) => {
                const v = row[c];
                return [c, String(spec.schema[c]).includes("String") ? v : Number(v)];
              }),
            )
          );
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
