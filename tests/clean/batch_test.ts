import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { parseBatchArgs } from "../../cli/batch.ts";
import { runBatch } from "../../lib/batch.ts";
import { UsageError } from "../../cli/_args.ts";
import { withTempDir } from "../_helpers.ts";
import { Catalog } from "../../lib/catalog.ts";
import { PIN_SCHEMA } from "../../lib/clean/mod.ts";
import { describe } from "./_clean.ts";

const PIN = {
  index: 7,
  unique_id: "5b4a1a4c-0000-4000-8000-000000000007",
  title: "No Title Data Available",
  description: "Clay pots…\u00a0",
  poster_name: "Pots & Co",
  follower_count: "1.5k",
  tag_list: "Pots,Clay",
  is_image_or_video: "image",
  image_src: "Image src error.",
  downloaded: 0,
  save_location: "Local save in /data/diy-and-crafts",
  category: "diy-and-crafts",
};
const GEO = {
  ind: 7,
  timestamp: "2019-03-28T09:16:33",
  latitude: -1.5,
  longitude: 2,
  country: "Chad",
};
const USER = {
  ind: 7,
  first_name: "Ann",
  last_name: "Lee",
  age: 33,
  date_joined: "2016-01-20 22:10:50",
};

async function writeSource(dir: string): Promise<void> {
  for (const [kind, record] of Object.entries({ pin: PIN, geo: GEO, user: USER })) {
    await Deno.writeTextFile(join(dir, `${kind}.ndjson`), JSON.stringify(record) + "\n");
  }
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

Deno.test("runBatch() writes the three batch tables as parquet that DuckDB reads", async () => {
  await withTempDir(async (dir) => {
    await writeSource(dir);
    const lines: string[] = [];
    const lakehouse = join(dir, "lakehouse");
    const reports = await runBatch({
      source: dir,
      lakehouse,
      userId: "u1",
      log: (l) => lines.push(l),
    });
    assert.deepEqual(reports.map((r) => [r.table, r.rows]), [
      ["u1_pin_batch", 1],
      ["u1_geo_batch", 1],
      ["u1_user_batch", 1],
    ]);
    assert.equal(reports[0]?.nulled.title, 1);
    assert.equal(reports[0]?.nulled.image_src, 1);
    assert.ok(lines.some((l) => l.includes("nulled placeholders: title 1, image_src 1")));
    const glob = (table: string) => `'${join(lakehouse, "default", table)}/*.parquet'`;
    const schema = async (table: string) =>
      (await query(`DESCRIBE SELECT * FROM read_parquet(${glob(table)})`)).map((r) =>
        `${r.column_name} ${r.column_type}`
      );
    assert.deepEqual(await schema("u1_pin_batch"), [
      "ind BIGINT",
      "unique_id VARCHAR",
      "title VARCHAR",
      "description VARCHAR",
      "follower_count INTEGER",
      "poster_name VARCHAR",
      "tag_list VARCHAR",
      "is_image_or_video VARCHAR",
      "image_src VARCHAR",
      "save_location VARCHAR",
      "category VARCHAR",
    ]);
    assert.deepEqual(await schema("u1_geo_batch"), [
      "ind BIGINT",
      "country VARCHAR",
      "coordinates DOUBLE[]",
      "timestamp TIMESTAMP WITH TIME ZONE",
    ]);
    assert.deepEqual(await schema("u1_user_batch"), [
      "ind BIGINT",
      "user_name VARCHAR",
      "age BIGINT",
      "date_joined TIMESTAMP WITH TIME ZONE",
    ]);
    const [pin] = await query(
      `SELECT follower_count, save_location, description FROM read_parquet(${
        glob("u1_pin_batch")
      })`,
    );
    assert.deepEqual(pin, {
      follower_count: 1500,
      save_location: "/data/diy-and-crafts",
      description: "Clay pots…\u00a0",
    });
    const [geo] = await query(
      `SELECT epoch_us(timestamp)::VARCHAR AS us, coordinates FROM read_parquet(${
        glob("u1_geo_batch")
      })`,
    );
    assert.deepEqual(geo, {
      us: String(Date.parse("2019-03-28T09:16:33Z") * 1000),
      coordinates: [-1.5, 2],
    });
  });
});

Deno.test("runBatch() writes Delta tables that replace what a previous run wrote", async () => {
  await withTempDir(async (dir) => {
    await writeSource(dir);
    const lakehouse = join(dir, "lakehouse");
    const options = { source: dir, lakehouse, userId: "u1", log: () => {} };
    await runBatch(options);
    await runBatch(options);
    const catalog = new Catalog({ lakehouseDir: lakehouse });
    assert.deepEqual(await catalog.list(), [
      "default.u1_geo_batch",
      "default.u1_pin_batch",
      "default.u1_user_batch",
    ]);
    const pins = await (await catalog.open("default.u1_pin_batch")).read();
    assert.deepEqual(pins.getColumn("ind").toArray(), [7]);
    assert.deepEqual(describe(pins.schema), describe(PIN_SCHEMA));
  });
});

Deno.test("runBatch() leaves alone a table directory that is not a Delta table", async () => {
  await withTempDir(async (dir) => {
    await writeSource(dir);
    const lakehouse = join(dir, "lakehouse");
    const table = join(lakehouse, "default", "u1_pin_batch");
    await Deno.mkdir(table, { recursive: true });
    await Deno.writeTextFile(join(table, "notes.txt"), "mine");
    await assert.rejects(
      () => runBatch({ source: dir, lakehouse, userId: "u1", log: () => {} }),
      /is not a Delta table, so it is left alone/,
    );
    assert.equal(await Deno.readTextFile(join(table, "notes.txt")), "mine");
  });
});

Deno.test("runBatch() says which source file is missing", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => runBatch({ source: dir, lakehouse: join(dir, "lh"), log: () => {} }),
      /Cannot run batch: .*pin\.ndjson is missing \(generate it with deno task data, or pass --source DIR\)$/,
    );
  });
});

const argCases: [string[], RegExp][] = [
  [
    ["--bogus"],
    /^Unknown option '--bogus'\nAllowed options: --source DIR, --lakehouse DIR, --user-id ID, --help$/,
  ],
  [["--source"], /--source.*argument missing\nAllowed options: /],
  [["extra"], /Unexpected argument 'extra'.*\nAllowed options: /],
  [["--user-id", "a-b"], /user id "a-b" must be letters, digits and _ only$/],
  [["--lakehouse="], /--lakehouse needs a directory$/],
];

for (const [args, message] of argCases) {
  Deno.test(`parseBatchArgs() refuses ${args.join(" ")} saying what is allowed`, () => {
    assert.throws(() => parseBatchArgs(args), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, message);
      return true;
    });
  });
}

Deno.test("parseBatchArgs() reads the options and defaults", () => {
  const parsed = parseBatchArgs(["--source", "src", "--lakehouse", "lh", "--user-id", "abc_1"]);
  assert.deepEqual(parsed, { source: "src", lakehouse: "lh", userId: "abc_1" });
  assert.equal(parseBatchArgs([]).source, "data/pinterest");
});

Deno.test("deno task batch: --help exits 0 with the options, a bad option exits 2", async () => {
  const batch = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../cli/batch.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const help = await batch("-h");
  assert.equal(help.code, 0);
  const text = new TextDecoder().decode(help.stdout);
  assert.match(text, /^Usage: deno task batch/);
  assert.match(text, /--source DIR +directory holding pin\.ndjson/);
  const bad = await batch("--bogus");
  assert.equal(bad.code, 2);
  assert.match(
    new TextDecoder().decode(bad.stderr),
    /^error: Unknown option '--bogus'\nAllowed options: --source DIR, /,
  );
});
