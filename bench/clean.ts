/**
 * `deno task bench clean`: cleans 1,000,000 generated raw pin rows from
 * NDJSON to parquet with `cleanPin` (Polars), and in the same run the same
 * transformations written as SQL in DuckDB (`read_json` -> `COPY ... TO
 * parquet`), repeated (default 3 runs each, alternating which engine goes
 * first), then prints every time, the per-run ratios and their median and
 * range, and checks that the two outputs agree.
 *
 * The rows are resampled from the real rows in `../shared` when it exists
 * (perturbed: new index and unique_id, follower counts redrawn in every
 * accepted form), else from synthetic rows of the same shape. Everything
 * is written to a temporary directory, removed at the end.
 *
 * @module
 */
import pl from "nodejs-polars";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { cleanPin, PIN_PLACEHOLDERS, RAW_PIN_SCHEMA } from "../lib/clean/mod.ts";
import { mulberry32 } from "../lib/data/mod.ts";
import { CATEGORIES, type PinRecord } from "../lib/records.ts";
import { numberFlag, parseFlags, runMain } from "../cli/_args.ts";

function medianOf(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const USAGE = `Usage: deno task bench clean [--rows N] [--repeat N]

Cleans N generated raw pin rows (default 1000000) from NDJSON to parquet with
pinstream's Polars cleaning, then with the same transformations in DuckDB SQL,
--repeat times each (alternating which goes first), and prints every time, the
ratios and their spread.`;

function sharedDir(): string | null {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const dir = Deno.env.get("PINSTREAM_SHARED_DIR") ?? join(root, "..", "shared");
  return existsSync(join(dir, "data", "pinterest", "pin.ndjson")) ? dir : null;
}

/** Rows with the shape and placeholder mix of the real ones, for machines without ../shared. */
function syntheticTemplates(next: () => number): PinRecord[] {
  const words = ["clay", "winter", "garden", "quote", "tattoo", "paint", "travel", "café", "diy"];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const phrase = (n: number) => Array.from({ length: n }, () => pick(words)).join(" ");
  return Array.from({ length: 2000 }, (_, i) => {
    const category = pick(CATEGORIES);
    const broken = next() < 0.01;
    const story = next() < 0.07;
    return {
      index: i,
      unique_id: crypto.randomUUID(),
      title: next() < 0.008 ? PIN_PLACEHOLDERS.title![0]! : phrase(6),
      description: story
        ? PIN_PLACEHOLDERS.description![0]!
        : next() < 0.4
        ? `${phrase(20)}…\u00a0`
        : phrase(15),
      poster_name: broken ? "User Info Error" : phrase(2),
      follower_count: broken ? "User Info Error" : "1k",
      tag_list: next() < 0.014 ? PIN_PLACEHOLDERS.tag_list![0]! : phrase(9).replaceAll(" ", ","),
      is_image_or_video: story ? "multi-video(story page format)" : "image",
      image_src: next() < 0.024 ? "Image src error." : `https://i.pinimg.com/originals/${i}.jpg`,
      downloaded: 1,
      save_location: `Local save in /data/${category}`,
      category,
    };
  });
}

/** A follower count in one of the accepted forms, or now and then an unconvertible one. */
function followerText(next: () => number): string {
  const r = next();
  if (r < 0.18) return String(Math.floor(next() * 999));
  if (r < 0.88) return `${1 + Math.floor(next() * 991)}k`;
  if (r < 0.95) return `${1 + Math.floor(next() * 15)}M`;
  if (r < 0.97) return `${(1 + next() * 9).toFixed(1)}k`;
  if (r < 0.99) return `${1 + Math.floor(next() * 9)}m`;
  return next() < 0.5 ? "abc" : "";
}

/** Writes `rows` NDJSON pin rows resampled from `templates` to `path`. */
async function generate(path: string, rows: number, templates: PinRecord[]): Promise<void> {
  const next = mulberry32(100);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  try {
    let chunk: string[] = [];
    for (let i = 0; i < rows; i++) {
      const t = templates[Math.floor(next() * templates.length)]!;
      const follower = t.follower_count === "User Info Error"
        ? t.follower_count
        : followerText(next);
      const hex = (Math.floor(next() * 0xffffffff) >>> 0).toString(16).padStart(8, "0");
      chunk.push(JSON.stringify({
        ...t,
        index: i,
        unique_id: `${hex}-${t.unique_id?.slice(9) ?? "0000-4000-8000-000000000000"}`,
        follower_count: follower,
      }));
      if (chunk.length === 10_000) {
        await file.write(encoder.encode(chunk.join("\n") + "\n"));
        chunk = [];
      }
    }
    if (chunk.length > 0) await file.write(encoder.encode(chunk.join("\n") + "\n"));
  } finally {
    file.close();
  }
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Trims the characters `str.strip()` trims in the pin data: spaces, tabs, newlines, \u00a0. */
const TRIM = `' \t\n\r\u00a0'`;

/** The SQL of `cleanPin`, column by column. */
export function duckdbCleanPinSql(source: string, target: string): string {
  const columns = Object.entries(RAW_PIN_SCHEMA)
    .map(([name, dtype]) => `${name}: '${dtype.equals(pl.String) ? "VARCHAR" : "BIGINT"}'`)
    .join(", ");
  const text = (name: string) => {
    const junk = (PIN_PLACEHOLDERS[name] ?? []).map(sqlString);
    const test = junk.length === 0
      ? `trim(${name}, ${TRIM}) = ''`
      : `trim(${name}, ${TRIM}) IN ('', ${junk.join(", ")})`;
    return `CASE WHEN ${test} THEN NULL ELSE ${name} END`;
  };
  const count = `CASE WHEN trim(follower_count, ${TRIM}) IN ('', 'User Info Error') THEN NULL
    ELSE trim(follower_count, ${TRIM}) END`;
  const re = "^([0-9]+(?:\\.[0-9]+)?)\\s*([kKmMbB]?)$";
  const number = `TRY_CAST(NULLIF(regexp_extract(fc, '${re}', 1), '') AS DOUBLE)`;
  const scale = `CASE lower(regexp_extract(fc, '${re}', 2))
    WHEN 'k' THEN 1e3 WHEN 'm' THEN 1e6 WHEN 'b' THEN 1e9 ELSE 1 END`;
  return `COPY (
    WITH raw AS (
      SELECT *, ${count} AS fc
      FROM read_json(${sqlString(source)}, format = 'newline_delimited', columns = {${columns}})
    )
    SELECT
      index AS ind,
      ${text("unique_id")} AS unique_id,
      ${text("title")} AS title,
      ${text("description")} AS description,
      CASE WHEN round(${number} * ${scale}) <= 2147483647
        THEN round(${number} * ${scale})::INTEGER END AS follower_count,
      ${text("poster_name")} AS poster_name,
      ${text("tag_list")} AS tag_list,
      ${text("is_image_or_video")} AS is_image_or_video,
      ${text("image_src")} AS image_src,
      trim(NULLIF(regexp_extract(save_location, '^[^/]*(/.*)$', 1), ''), ${TRIM}) AS save_location,
      ${text("category")} AS category
    FROM raw
  ) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION snappy)`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Runs the benchmark; `args` are the options after `clean`. */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    rows: { type: "string", value: "N", help: "raw pin rows to clean (default 1000000)" },
    repeat: {
      type: "string",
      value: "N",
      help: "runs of each engine, alternating which goes first (default 3)",
    },
  }, USAGE);
  const rows = numberFlag("rows", flags.rows, { min: 1 }) ?? 1_000_000;
  const repeat = numberFlag("repeat", flags.repeat, { min: 1 }) ?? 3;
  const shared = sharedDir();
  const templates = shared
    ? (await Deno.readTextFile(join(shared, "data", "pinterest", "pin.ndjson")))
      .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as PinRecord)
    : syntheticTemplates(mulberry32(7));
  const dir = await Deno.makeTempDir({ prefix: "pinstream-bench-clean-" });
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    const source = join(dir, "pin.ndjson");
    const start = performance.now();
    await generate(source, rows, templates);
    const size = (await Deno.stat(source)).size;
    console.log(
      `generated ${rows.toLocaleString("en")} raw pin rows (${
        (size / 1e6).toFixed(0)
      } MB NDJSON, resampled from ${
        shared ? `${templates.length} real rows` : "synthetic rows"
      }) in ${seconds(performance.now() - start)}`,
    );

    const ours = join(dir, "polars.parquet");
    const theirs = join(dir, "duckdb.parquet");
    let counts: { nulled: unknown; invalid: unknown } | undefined;
    const runPolars = async () => {
      const start = performance.now();
      const { df, nulled, invalid } = await cleanPin(
        pl.scanJson(source, { schema: RAW_PIN_SCHEMA }),
      );
      df.writeParquet(ours, { compression: "snappy" });
      counts = { nulled, invalid };
      return performance.now() - start;
    };
    const runDuckdb = async () => {
      const start = performance.now();
      await con.run(duckdbCleanPinSql(source, theirs));
      return performance.now() - start;
    };
    // Repeated, alternating which engine goes first, so that caches and
    // other work on the machine weigh on both alike.
    const polarsTimes: number[] = [];
    const duckdbTimes: number[] = [];
    for (let i = 0; i < repeat; i++) {
      if (i % 2 === 0) {
        polarsTimes.push(await runPolars());
        duckdbTimes.push(await runDuckdb());
      } else {
        duckdbTimes.push(await runDuckdb());
        polarsTimes.push(await runPolars());
      }
    }
    const ratios = polarsTimes.map((p, i) => p / duckdbTimes[i]!);
    const list = (v: number[]) => v.map((ms) => seconds(ms)).join(", ");
    console.log(`polars (cleanPin, with counts): ${list(polarsTimes)}`);
    console.log(`duckdb (SQL, no counts):        ${list(duckdbTimes)}`);
    const polarsMs = medianOf(polarsTimes);
    const duckdbMs = medianOf(duckdbTimes);
    console.log(
      `ratio polars/duckdb per run: ${ratios.map((r) => r.toFixed(2)).join(", ")}; ` +
        `median ${(polarsMs / duckdbMs).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}-${
          Math.max(...ratios).toFixed(2)
        }); goal: below 1 (${
          ratios.every((r) => r < 1) ? "met in every run" : "not met in every run"
        })`,
    );
    console.log(
      `nulled: ${JSON.stringify(counts?.nulled)}; invalid: ${JSON.stringify(counts?.invalid)}`,
    );

    const differing = await con.runAndReadAll(`
      SELECT count(*) AS n FROM (
        (SELECT * FROM read_parquet(${sqlString(ours)})
         EXCEPT ALL SELECT * FROM read_parquet(${sqlString(theirs)}))
        UNION ALL
        (SELECT * FROM read_parquet(${sqlString(theirs)})
         EXCEPT ALL SELECT * FROM read_parquet(${sqlString(ours)})))`);
    const n = Number(differing.getRowObjects()[0]?.n ?? -1);
    console.log(n === 0 ? "outputs agree row for row" : `outputs differ in ${n} rows`);
  } finally {
    con.closeSync();
    instance.closeSync();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runMain(() => run(Deno.args));
