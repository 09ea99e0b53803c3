/**
 * `deno task bench analytics`: the gold tables at scale. Generates N rows per
 * table (default 100,000) with the project's generator, appends 1% of them
 * again (inds the emitter sampled twice), cleans them and writes the three
 * silver Delta tables as the pipeline does, then times reading the silver
 * tables, `computeGold` (Polars) and `writeGoldTables` (a first write that
 * creates the nine tables, and a second that overwrites them). The
 * reference, in the same run: the same nine answers in DuckDB SQL over the
 * silver parquet files; both answers are checked to agree row for row.
 * Everything is written to a temporary directory, removed at the end.
 *
 * @module
 */
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../lib/clean/mod.ts";
import { Catalog } from "../lib/catalog.ts";
import { tableName } from "../lib/config.ts";
import { generateTables } from "../lib/data/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../lib/records.ts";
import {
  computeGold,
  GOLD_TABLES,
  type GoldFrames,
  type GoldName,
  readSilverTables,
  writeGoldTables,
} from "../lib/analytics/mod.ts";
import { numberFlag, parseFlags } from "../cli/_args.ts";

const USAGE = `Usage: deno task bench analytics [--rows N]

Writes N generated rows per silver table (default 100000), then times the nine
gold answers with Polars (computeGold) and writing them as gold Delta tables,
against the same answers in DuckDB SQL.`;

function sqlList(paths: string[]): string {
  return `[${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(", ")}]`;
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

/** The nine answers in DuckDB SQL over the table `posts` of {@linkcode postsSql}. */
export const GOLD_SQL: Record<GoldName, string> = {
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

/**
 * SQL creating the table `posts` from the silver tables' parquet files: each
 * deduplicated by ind (first row in file order) and joined on ind.
 */
export function postsSql(files: Record<RecordKind, string[]>): string {
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

const CLEANERS = { pin: cleanPin, geo: cleanGeo, user: cleanUser };

/** The rows of gold table `name` by {@linkcode GOLD_SQL}, numbers as numbers. */
export async function goldRows(
  con: DuckDBConnection,
  name: GoldName,
): Promise<Record<string, unknown>[]> {
  const spec = GOLD_TABLES.find((t) => t.name === name)!;
  const rows = (await con.runAndReadAll(GOLD_SQL[name])).getRowObjectsJson();
  return rows.map((row) =>
    Object.fromEntries(
      spec.columns.map((c) => {
        const v = row[c];
        return [c, String(spec.schema[c]).includes("String") || v === null ? v : Number(v)];
      }),
    )
  );
}

function ms(start: number): string {
  return `${Math.round(performance.now() - start).toLocaleString("en-US")} ms`;
}

/** Runs the benchmark with the command-line `args` (`--rows N`). */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    rows: {
      type: "string",
      value: "N",
      help: "rows per silver table, an integer from 1 to 1000000 (default 100000)",
    },
  }, USAGE);
  const rows = numberFlag("rows", flags.rows, { min: 1, max: 1_000_000 }) ?? 100_000;
  const dir = await Deno.makeTempDir({ prefix: "pinstream-bench-analytics-" });
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const con = await instance.connect();
  try {
    let start = performance.now();
    const source = generateTables({ rows, seed: 100 });
    const catalog = new Catalog({ lakehouseDir: dir });
    const files = {} as Record<RecordKind, string[]>;
    for (const kind of RECORD_KINDS) {
      const records: object[] = source[kind];
      const again = records.slice(0, Math.ceil(records.length / 100));
      const { df } = await CLEANERS[kind](rawFrame(kind, [...records, ...again]));
      const table = await catalog.create(tableName("bench", kind), df.schema);
      await table.append(df);
      files[kind] = table.snapshot.files.map((f) => join(table.path, decodeURIComponent(f.path)));
    }
    console.log(
      `generated, cleaned and wrote ${rows.toLocaleString("en-US")} rows per silver table ` +
        `(+1% repeated inds) in ${ms(start)}`,
    );

    start = performance.now();
    const silver = await readSilverTables(catalog, "bench");
    console.log(`read the silver tables: ${ms(start)}`);
    start = performance.now();
    let gold: GoldFrames = computeGold(silver);
    const polarsMs = performance.now() - start;
    console.log(`computeGold (Polars): ${ms(start)}`);
    start = performance.now();
    await writeGoldTables(catalog, "bench", { gold });
    console.log(`writeGoldTables, creating the nine tables: ${ms(start)}`);
    start = performance.now();
    gold = computeGold(silver);
    const reports = await writeGoldTables(catalog, "bench", { gold });
    console.log(`computeGold + writeGoldTables, overwriting: ${ms(start)}`);
    console.log(
      reports.map((r) => `${r.name} ${r.rows} rows v${r.version}`).join(", "),
    );

    start = performance.now();
    await con.run(postsSql(files));
    const duck = {} as Record<GoldName, Record<string, unknown>[]>;
    for (const { name } of GOLD_TABLES) duck[name] = await goldRows(con, name);
    const duckMs = performance.now() - start;
    console.log(`the same nine answers in DuckDB SQL: ${ms(start)}`);
    console.log(`ratio polars/duckdb: ${(polarsMs / duckMs).toFixed(2)}`);
    const differ = GOLD_TABLES.filter(({ name }) =>
      JSON.stringify(gold[name].toRecords()) !== JSON.stringify(duck[name])
    );
    console.log(
      differ.length === 0
        ? "answers agree row for row"
        : `answers differ in ${differ.map((t) => t.name).join(", ")}`,
    );
  } finally {
    con.closeSync();
    instance.closeSync();
    await Deno.remove(dir, { recursive: true });
  }
}
