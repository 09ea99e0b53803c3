/**
 * The source-data generator against the real rows in `../shared`.
 *
 * Tolerances, generated (11,000 rows, seed 100) against real (2,248 pin,
 * 3,047 geo, 2,283 user rows, main and partial files together):
 * - a placeholder's rate (and any share under 10%) is within a factor of 2
 *   of the real rate, or within 0.5 percentage points of it, whichever is
 *   looser;
 * - a larger share (follower-count formats, image/video kinds, latitude
 *   sign, age groups, years, cut descriptions) is within 5 percentage
 *   points of the real share.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  formatRecordLine,
  generateTables,
  readSource,
  SourceDataError,
  type SourceTables,
  writeSource,
} from "../../lib/data/mod.ts";
import {
  type GeoRecord,
  type PinRecord,
  RECORD_COLUMNS,
  RECORD_KINDS,
  type UserRecord,
} from "../../lib/records.ts";
import { ROOT, SHARED_DIR, skipWithoutShared, withTempDir } from "../_helpers.ts";

const REAL = "the generator's comparison with the real rows";
const noShared = skipWithoutShared(REAL);

let generatedCache: SourceTables | undefined;
function generated(): SourceTables {
  return generatedCache ??= generateTables();
}

let realCache: Promise<SourceTables> | undefined;
/** The real rows, main and partial files together. */
function real(): Promise<SourceTables> {
  return realCache ??= (async () => {
    const dir = join(SHARED_DIR as string, "data", "pinterest");
    const main = await readSource(dir);
    const partial = await readSource(join(dir, "partial"));
    return {
      pin: [...main.pin, ...partial.pin],
      geo: [...main.geo, ...partial.geo],
      user: [...main.user, ...partial.user],
    };
  })();
}

/** The share of rows for which `test` holds. */
function rate<T>(rows: readonly T[], test: (row: T) => boolean): number {
  return rows.filter(test).length / rows.length;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Within a factor of 2, or within 0.5 percentage points. */
function assertRateClose(what: string, got: number, want: number): void {
  const ok = (got >= want / 2 && got <= want * 2) || Math.abs(got - want) <= 0.005;
  assert.ok(ok, `${what}: generated ${percent(got)}, real ${percent(want)}`);
}

/** Within 5 percentage points. */
function assertShareClose(what: string, got: number, want: number): void {
  assert.ok(
    Math.abs(got - want) <= 0.05,
    `${what}: generated ${percent(got)}, real ${percent(want)}`,
  );
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "float";
  return typeof value;
}

/** The first line of a source file as parsed JSON, keys in file order. */
async function firstLine(dir: string, kind: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(dir, `${kind}.ndjson`), "utf8");
  return JSON.parse(text.slice(0, text.indexOf("\n")));
}

Deno.test("generateTables() gives identical tables for the same seed and different ones for another", () => {
  const a = generateTables({ rows: 300, seed: 7 });
  const b = generateTables({ rows: 300, seed: 7 });
  const c = generateTables({ rows: 300, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.pin, c.pin);
  assert.equal(a.pin.length, 300);
});

Deno.test("generateTables() refuses a row count or seed that is not an integer in range", () => {
  assert.throws(() => generateTables({ rows: 0 }), RangeError);
  assert.throws(() => generateTables({ rows: 2.5 }), RangeError);
  assert.throws(() => generateTables({ seed: 1.5 }), RangeError);
});

Deno.test("the three generated tables share one sorted, sparse id set over about 0..rows*1.01", () => {
  const { pin, geo, user } = generated();
  const ids = pin.map((row) => row.index);
  assert.deepEqual(geo.map((row) => row.ind), ids);
  assert.deepEqual(user.map((row) => row.ind), ids);
  assert.equal(ids.length, 11_000);
  assert.ok(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)), "ids ascend");
  assert.ok((ids[0] as number) >= 0 && (ids.at(-1) as number) <= 11_110);
  assert.ok((ids.at(-1) as number) > 10_900, "ids reach about 11,000, with gaps");
});

Deno.test("the committed data/pinterest equals generateTables() with the default options", async () => {
  const tables = generated();
  for (const kind of RECORD_KINDS) {
    const text = await readFile(join(ROOT, "data", "pinterest", `${kind}.ndjson`), "utf8");
    const rows: readonly object[] = tables[kind];
    const expected = rows.map((row) => formatRecordLine(kind, row)).join("\n") + "\n";
    assert.ok(text === expected, `data/pinterest/${kind}.ndjson differs: run deno task data`);
  }
});

Deno.test("writeSource() writes keys in column order with json.dumps separators, and readSource() reads it back", async () => {
  const tables = generateTables({ rows: 40, seed: 3 });
  await withTempDir(async (dir) => {
    const written = await writeSource(dir, tables);
    assert.deepEqual(written.map((file) => [file.kind, file.rows]), [
      ["pin", 40],
      ["geo", 40],
      ["user", 40],
    ]);
    const geoText = await readFile(join(dir, "geo.ndjson"), "utf8");
    assert.match(geoText, /^\{"ind": \d+, "timestamp": "[^"]+", "latitude": -?[\d.]+, /);
    for (const kind of RECORD_KINDS) {
      assert.deepEqual(Object.keys(await firstLine(dir, kind)), [...RECORD_COLUMNS[kind]]);
    }
    assert.deepEqual(await readSource(dir), tables);
  });
});

Deno.test("readSource() rejects a malformed line, naming the file and line number", async () => {
  const tables = generateTables({ rows: 5, seed: 1 });
  await withTempDir(async (dir) => {
    await writeSource(dir, tables);
    const geoPath = join(dir, "geo.ndjson");
    const lines = (await readFile(geoPath, "utf8")).split("\n");
    lines[2] = '{"ind": 99, "timestamp": "2020-01-01 00:00:00", "latitude": -1.5,';
    await writeFile(geoPath, lines.join("\n"));
    await assert.rejects(readSource(dir), (error: unknown) => {
      assert.ok(error instanceof SourceDataError);
      assert.equal(error.line, 3);
      assert.match(error.message, /geo\.ndjson:3: invalid JSON/);
      return true;
    });

    await writeSource(dir, tables);
    const userPath = join(dir, "user.ndjson");
    const userLines = (await readFile(userPath, "utf8")).split("\n");
    userLines[1] = (userLines[1] as string).replace(/"age": \d+/, '"age": "thirty"');
    await writeFile(userPath, userLines.join("\n"));
    await assert.rejects(readSource(dir), /user\.ndjson:2: not a user record: field "age"/);

    await writeSource(dir, tables);
    await Deno.remove(join(dir, "pin.ndjson"));
    await assert.rejects(readSource(dir), /pin\.ndjson: the file does not exist/);
  });
});

Deno.test({
  name: "generated rows have the real columns, in the same order, with the same JSON types",
  ignore: noShared,
  fn: async () => {
    const actual = generated();
    const expected = await real();
    const dir = join(SHARED_DIR as string, "data", "pinterest");
    for (const kind of RECORD_KINDS) {
      assert.deepEqual(
        Object.keys(await firstLine(join(ROOT, "data", "pinterest"), kind)),
        Object.keys(await firstLine(dir, kind)),
        `${kind} columns`,
      );
      for (const column of RECORD_COLUMNS[kind]) {
        const types = (rows: readonly object[]) =>
          [...new Set(rows.map((row) => jsonType((row as Record<string, unknown>)[column])))]
            .sort();
        assert.deepEqual(types(actual[kind]), types(expected[kind]), `${kind}.${column} types`);
      }
    }
  },
});

Deno.test({
  name: "generated pins use the real 13 categories, each saved under its own location",
  ignore: noShared,
  fn: async () => {
    const { pin } = generated();
    const categories = (rows: readonly PinRecord[]) =>
      [...new Set(rows.map((r) => r.category))].sort();
    assert.deepEqual(categories(pin), categories((await real()).pin));
    assert.equal(categories(pin).length, 13);
    for (const row of pin) assert.equal(row.save_location, `Local save in /data/${row.category}`);
    for (const category of categories(pin)) {
      assertRateClose(`category ${category}`, rate(pin, (r) => r.category === category), 1 / 13);
    }
  },
});

const PLACEHOLDERS: readonly [keyof PinRecord, string][] = [
  ["title", "No Title Data Available"],
  ["title", ""],
  ["title", "Untitled"],
  ["title", "Untitled: Photo"],
  ["description", "Untitled"],
  ["description", "No description available Story format"],
  ["description", "No description available"],
  ["poster_name", "User Info Error"],
  ["follower_count", "User Info Error"],
  ["tag_list", "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"],
  ["image_src", "Image src error."],
];

Deno.test({
  name: "every placeholder value of the real pins occurs in the generated ones at a close rate",
  ignore: noShared,
  fn: async () => {
    const actual = generated().pin;
    const expected = (await real()).pin;
    for (const [column, value] of PLACEHOLDERS) {
      const want = rate(expected, (row) => row[column] === value);
      const got = rate(actual, (row) => row[column] === value);
      assert.ok(want > 0, `the real pins have ${column} ${JSON.stringify(value)}`);
      assert.ok(got > 0, `the generated pins have ${column} ${JSON.stringify(value)}`);
      assertRateClose(`${column} ${JSON.stringify(value)}`, got, want);
    }
    for (const row of actual) {
      const userError = row.poster_name === "User Info Error";
      assert.equal(row.follower_count === "User Info Error", userError, "same rows");
      assert.equal(row.image_src === "Image src error.", row.downloaded === 0, "downloaded 0");
    }
  },
});

Deno.test({
  name: "is_image_or_video takes the three real values, and story rows carry the story description",
  ignore: noShared,
  fn: async () => {
    const actual = generated().pin;
    const expected = (await real()).pin;
    const kinds = (rows: readonly PinRecord[]) =>
      [...new Set(rows.map((r) => r.is_image_or_video))].sort();
    assert.deepEqual(kinds(actual), kinds(expected));
    for (const kind of kinds(expected)) {
      const got = rate(actual, (r) => r.is_image_or_video === kind);
      const want = rate(expected, (r) => r.is_image_or_video === kind);
      if (want < 0.1) assertRateClose(kind as string, got, want);
      else assertShareClose(kind as string, got, want);
    }
    for (const row of actual) {
      const story = row.is_image_or_video === "multi-video(story page format)";
      assert.equal(row.description === "No description available Story format", story);
    }
  },
});

const FOLLOWER_FORMATS: readonly [string, RegExp, number, number][] = [
  ["plain", /^(\d+)$/, 0, 998],
  ["thousands", /^(\d+)k$/, 1, 991],
  ["millions", /^(\d+)M$/, 1, 15],
];

Deno.test({
  name: "follower counts take the real formats and ranges in similar shares",
  ignore: noShared,
  fn: async () => {
    const actual = generated().pin;
    const expected = (await real()).pin;
    for (const row of actual) {
      const count = row.follower_count as string;
      if (count === "User Info Error") continue;
      const format = FOLLOWER_FORMATS.find(([, pattern]) => pattern.test(count));
      assert.ok(format, `follower_count ${count} has a known format`);
      const n = Number((format[1].exec(count) as RegExpExecArray)[1]);
      assert.ok(n >= format[2] && n <= format[3], `follower_count ${count} is in range`);
    }
    for (const [name, pattern] of FOLLOWER_FORMATS) {
      const test = (row: PinRecord) => pattern.test(row.follower_count as string);
      const want = rate(expected, test);
      const got = rate(actual, test);
      if (want < 0.1) assertRateClose(`follower_count ${name}`, got, want);
      else assertShareClose(`follower_count ${name}`, got, want);
    }
  },
});

Deno.test("unique_id is a lowercase UUID v4, unique across rows", () => {
  const ids = generated().pin.map((row) => row.unique_id as string);
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(new Set(ids).size, ids.length);
});

Deno.test({
  name: "users repeat across posts, and a repeated poster always has the same user and location",
  ignore: noShared,
  fn: async () => {
    const check = (tables: SourceTables, label: string) => {
      const userOf = new Map<string, string>();
      const placeOf = new Map<string, string>();
      const posts = new Map<string, number>();
      tables.pin.forEach((pin, i) => {
        const user = tables.user[i] as UserRecord;
        const geo = tables.geo[i] as GeoRecord;
        const who = JSON.stringify([user.first_name, user.last_name, user.age, user.date_joined]);
        const where = JSON.stringify([geo.latitude, geo.longitude, geo.country]);
        const poster = pin.poster_name as string;
        assert.equal(userOf.get(poster) ?? who, who, `${label}: poster ${poster} has one user`);
        assert.equal(placeOf.get(who) ?? where, where, `${label}: user ${who} has one location`);
        userOf.set(poster, who);
        placeOf.set(who, where);
        posts.set(who, (posts.get(who) ?? 0) + 1);
      });
      const repeated = [...posts.values()].filter((n) => n > 1);
      return repeated.reduce((a, b) => a + b, 0) / tables.pin.length;
    };
    const dir = join(SHARED_DIR as string, "data", "pinterest");
    const realShare = check(await readSource(dir), "real");
    const share = check(generated(), "generated");
    // The real rows are a sample of about a fifth of the table, so fewer of their users repeat.
    assert.ok(share >= realShare, `rows by a repeated user: ${percent(share)}`);
  },
});

function decimals(value: number): number {
  const text = String(value);
  return text.includes(".") ? (text.split(".")[1] as string).length : 0;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

Deno.test({
  name: "geolocation rows have the real ranges, latitude skew, decimals and timestamp format",
  ignore: noShared,
  fn: async () => {
    const actual = generated().geo;
    const expected = (await real()).geo;
    for (const row of actual) {
      const latitude = row.latitude as number;
      const longitude = row.longitude as number;
      const timestamp = row.timestamp as string;
      assert.ok(latitude > -90 && latitude < 90, `latitude ${latitude}`);
      assert.ok(longitude > -180 && longitude < 180, `longitude ${longitude}`);
      for (const value of [latitude, longitude]) {
        assert.ok(decimals(value) >= 1 && decimals(value) <= 5, `${value} has 1 to 5 decimals`);
      }
      assert.match(timestamp, DATE_TIME);
      assert.ok(
        timestamp >= "2017-10-20 00:00:00" && timestamp <= "2022-10-18 23:59:59",
        timestamp,
      );
    }
    const negative = (row: GeoRecord) => (row.latitude as number) < 0;
    assertShareClose("negative latitudes", rate(actual, negative), rate(expected, negative));
    assert.ok(rate(expected, negative) > 0.7, "the real latitudes are mostly negative");
    for (const year of ["2017", "2018", "2019", "2020", "2021", "2022"]) {
      const inYear = (row: GeoRecord) => (row.timestamp as string).startsWith(year);
      assertShareClose(`timestamps in ${year}`, rate(actual, inYear), rate(expected, inYear));
    }
  },
});

Deno.test({
  name: "users have the real age and join-date ranges with similar age groups and join years",
  ignore: noShared,
  fn: async () => {
    const actual = generated().user;
    const expected = (await real()).user;
    for (const row of actual) {
      const age = row.age as number;
      const joined = row.date_joined as string;
      assert.ok(Number.isInteger(age) && age >= 20 && age <= 60, `age ${age}`);
      assert.match(joined, DATE_TIME);
      assert.ok(joined >= "2015-10-21 00:00:00" && joined <= "2017-10-18 23:59:59", joined);
    }
    const groups: [string, number, number][] = [
      ["18-24", 18, 24],
      ["25-35", 25, 35],
      ["36-50", 36, 50],
      ["+50", 51, 200],
    ];
    for (const [name, low, high] of groups) {
      const inGroup = (row: UserRecord) =>
        (row.age as number) >= low && (row.age as number) <= high;
      assertShareClose(`age group ${name}`, rate(actual, inGroup), rate(expected, inGroup));
    }
    for (const year of ["2015", "2016", "2017"]) {
      const inYear = (row: UserRecord) => (row.date_joined as string).startsWith(year);
      assertShareClose(`joined in ${year}`, rate(actual, inYear), rate(expected, inYear));
    }
  },
});

Deno.test({
  name: "countries are Faker-style names, nearly all of them among the real ones",
  ignore: noShared,
  fn: async () => {
    const names = (rows: readonly GeoRecord[]) => new Set(rows.map((row) => row.country as string));
    const actual = names(generated().geo);
    const expected = names((await real()).geo);
    assert.ok(actual.size >= 220, `${actual.size} distinct countries`);
    const known = [...actual].filter((name) => expected.has(name)).length;
    assert.ok(known / actual.size >= 0.95, `${known} of ${actual.size} countries are real names`);
    const covered = [...expected].filter((name) => actual.has(name)).length;
    assert.ok(covered / expected.size >= 0.95, `${covered} of ${expected.size} real names occur`);
  },
});

Deno.test({
  name: "descriptions are cut like the real ones, and tag lists are comma-separated without spaces",
  ignore: noShared,
  fn: async () => {
    const actual = generated().pin;
    const expected = (await real()).pin;
    const cut = (row: PinRecord) => (row.description as string).endsWith("…\u00a0");
    assertShareClose("descriptions ending in …\\u00a0", rate(actual, cut), rate(expected, cut));
    const longest = (rows: readonly PinRecord[]) =>
      Math.max(...rows.filter(cut).map((row) => (row.description as string).length));
    assert.equal(longest(actual), longest(expected));
    const noTags = "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
    const nine = (row: PinRecord) =>
      row.tag_list !== noTags && (row.tag_list as string).split(",").length === 9;
    assertShareClose("tag lists of nine tags", rate(actual, nine), rate(expected, nine));
    for (const row of actual) {
      if (row.tag_list === noTags) continue;
      assert.doesNotMatch(row.tag_list as string, /, |^,|,$/, `tag_list ${row.tag_list}`);
    }
  },
});

Deno.test("image sources are Pinterest CDN URLs, video thumbnails for videos and stories", () => {
  for (const row of generated().pin) {
    if (row.image_src === "Image src error.") continue;
    const pattern = row.is_image_or_video === "image"
      ? /^https:\/\/i\.pinimg\.com\/originals\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2\3[0-9a-f]{26}\.(jpg|png|webp|gif)$/
      : /^https:\/\/i\.pinimg\.com\/videos\/thumbnails\/originals\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2\3[0-9a-f]{26}\.0000001\.jpg$/;
    assert.match(row.image_src as string, pattern);
  }
});
