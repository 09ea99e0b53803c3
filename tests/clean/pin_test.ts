import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  cleanGeo,
  cleanPin,
  cleanUser,
  PIN_PLACEHOLDERS,
  PIN_SCHEMA,
  rawFrame,
} from "../../lib/clean/mod.ts";
import { describe, stringFrame, values } from "./_clean.ts";

const NBSP = "\u00a0";

const TEXT_COLUMNS = [
  "unique_id",
  "title",
  "description",
  "poster_name",
  "tag_list",
  "is_image_or_video",
  "image_src",
  "category",
];

Deno.test("cleanPin() returns exactly the pin table's columns, types and order", async () => {
  const { df } = await cleanPin(rawFrame("pin", [{ index: 1 }]));
  const expected = [
    ["ind", "Int64"],
    ["unique_id", "String"],
    ["title", "String"],
    ["description", "String"],
    ["follower_count", "Int32"],
    ["poster_name", "String"],
    ["tag_list", "String"],
    ["is_image_or_video", "String"],
    ["image_src", "String"],
    ["save_location", "String"],
    ["category", "String"],
  ];
  assert.deepEqual(describe(df.schema), expected);
  assert.deepEqual(describe(PIN_SCHEMA), expected);
});

const placeholderCases: [string, string][] = [
  ["title", "No Title Data Available"],
  ["title", ""],
  ["description", "No description available Story format"],
  ["description", "No description available"],
  ["poster_name", "User Info Error"],
  ["follower_count", "User Info Error"],
  ["tag_list", "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"],
  ["tag_list", "No Tags Available"],
  ["image_src", "Image src error."],
  ["image_src", "no src image"],
  ...TEXT_COLUMNS.flatMap((c): [string, string][] => [[c, ""], [c, "  "], [c, NBSP]]),
  ["follower_count", ""],
  ["save_location", ""],
  ["save_location", " "],
];

for (const [column, value] of placeholderCases) {
  Deno.test(`cleanPin() nulls ${JSON.stringify(value)} in ${column} and counts it`, async () => {
    const result = await cleanPin(stringFrame("index", column, [value, `${value}${NBSP}`]));
    assert.deepEqual(values(result, column), [null, null]);
    assert.equal(result.nulled[column], 2);
    assert.equal(result.invalid[column] ?? 0, 0);
  });
}

Deno.test("cleanPin() lists every placeholder of the reference in PIN_PLACEHOLDERS", () => {
  for (const [column, value] of placeholderCases) {
    if (value.trim() === "") continue;
    assert.ok(PIN_PLACEHOLDERS[column]?.includes(value), `${column}: ${value}`);
  }
});

const keptCases: [string, string][] = [
  ["title", "Untitled"],
  ["title", "Untitled: Photo"],
  ["description", "Untitled"],
  ["title", "No Title Data Available, the sequel"],
  ["description", "no description available"],
  ["is_image_or_video", "multi-video(story page format)"],
  ["title", "Café ☕ 日本の猫 – “quotes”"],
  ["description", `Our mission at K&S is to supply you with c…${NBSP}`],
  ["title", "Resin Mosaic Coasters\n"],
  ["poster_name", "User Info Errors"],
];

for (const [column, value] of keptCases) {
  Deno.test(`cleanPin() keeps ${JSON.stringify(value)} in ${column} unchanged`, async () => {
    const result = await cleanPin(stringFrame("index", column, [value]));
    assert.deepEqual(values(result, column), [value]);
    assert.equal(result.nulled[column], 0);
  });
}

const followerCases: [string | null, number | null, "value" | "nulled" | "invalid" | "absent"][] = [
  ["0", 0, "value"],
  ["998", 998, "value"],
  ["1k", 1_000, "value"],
  ["991k", 991_000, "value"],
  ["15M", 15_000_000, "value"],
  ["1.5k", 1_500, "value"],
  ["2m", 2_000_000, "value"],
  ["2.25M", 2_250_000, "value"],
  [" 12k ", 12_000, "value"],
  [`3M${NBSP}`, 3_000_000, "value"],
  ["1B", 1_000_000_000, "value"],
  ["User Info Error", null, "nulled"],
  ["", null, "nulled"],
  [null, null, "absent"],
  ["abc", null, "invalid"],
  ["12x", null, "invalid"],
  ["-5", null, "invalid"],
  ["1e3", null, "invalid"],
  ["3B", null, "invalid"],
];

for (const [text, expected, outcome] of followerCases) {
  Deno.test(
    `cleanPin() reads follower_count ${JSON.stringify(text)} as ${expected} (${outcome})`,
    async () => {
      const result = await cleanPin(stringFrame("index", "follower_count", [text]));
      assert.deepEqual(values(result, "follower_count"), [expected]);
      assert.equal(result.nulled.follower_count, outcome === "nulled" ? 1 : 0);
      assert.equal(result.invalid.follower_count, outcome === "invalid" ? 1 : 0);
    },
  );
}

const saveLocationCases: [string | null, string | null, "value" | "nulled" | "invalid"][] = [
  ["Local save in /data/travel", "/data/travel", "value"],
  ["Local save in /data/diy-and-crafts", "/data/diy-and-crafts", "value"],
  ["/data/travel", "/data/travel", "value"],
  [`Local save in /data/art${NBSP}`, "/data/art", "value"],
  ["  /data/mens-fashion  ", "/data/mens-fashion", "value"],
  ["Local save in somewhere", null, "invalid"],
  ["", null, "nulled"],
  [null, null, "value"],
];

for (const [text, expected, outcome] of saveLocationCases) {
  Deno.test(
    `cleanPin() turns save_location ${JSON.stringify(text)} into ${JSON.stringify(expected)}`,
    async () => {
      const result = await cleanPin(stringFrame("index", "save_location", [text]));
      assert.deepEqual(values(result, "save_location"), [expected]);
      assert.equal(result.nulled.save_location, outcome === "nulled" ? 1 : 0);
      assert.equal(result.invalid.save_location, outcome === "invalid" ? 1 : 0);
    },
  );
}

Deno.test("cleanPin() renames index to ind, drops downloaded and keeps a full row", async () => {
  const record = {
    index: 7528,
    unique_id: "0b6f3c2e-5d4a-4f1b-9c3e-8a7d6e5f4c3b",
    title: "No Title Data Available",
    description: "No description available Story format",
    poster_name: "User Info Error",
    follower_count: "User Info Error",
    tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
    is_image_or_video: "multi-video(story page format)",
    image_src: "Image src error.",
    downloaded: 0,
    save_location: "Local save in /data/mens-fashion",
    category: "mens-fashion",
  };
  const result = await cleanPin(rawFrame("pin", [record]));
  assert.deepEqual(result.df.toRecords(), [{
    ind: 7528,
    unique_id: "0b6f3c2e-5d4a-4f1b-9c3e-8a7d6e5f4c3b",
    title: null,
    description: null,
    follower_count: null,
    poster_name: null,
    tag_list: null,
    is_image_or_video: "multi-video(story page format)",
    image_src: null,
    save_location: "/data/mens-fashion",
    category: "mens-fashion",
  }]);
  assert.deepEqual(result.nulled, {
    unique_id: 0,
    title: 1,
    description: 1,
    follower_count: 1,
    poster_name: 1,
    tag_list: 1,
    is_image_or_video: 0,
    image_src: 1,
    save_location: 0,
    category: 0,
  });
  assert.deepEqual(result.invalid, { follower_count: 0, save_location: 0 });
});

Deno.test("cleanPin() reads missing and all-null source columns as nulls", async () => {
  const frames = [
    pl.DataFrame({ index: [1, 2] }),
    pl.DataFrame({ index: [1, 2], title: [null, null], follower_count: [null, null] }),
    rawFrame("pin", [{ index: 1 }, { index: 2, downloaded: null }]),
  ];
  for (const frame of frames) {
    const { df, nulled, invalid } = await cleanPin(frame);
    assert.deepEqual(describe(df.schema), describe(PIN_SCHEMA));
    assert.deepEqual(values({ df, nulled, invalid }, "ind"), [1, 2]);
    for (const column of df.columns.filter((c) => c !== "ind")) {
      assert.deepEqual(df.getColumn(column).toArray(), [null, null], column);
    }
    assert.ok(Object.values(nulled).every((n) => n === 0));
    assert.ok(Object.values(invalid).every((n) => n === 0));
  }
});

Deno.test("cleanPin() casts a Float64 index and numeric follower counts", async () => {
  const { df } = await cleanPin(pl.DataFrame({ index: [4.0], follower_count: [998] }));
  assert.deepEqual(df.toRecords()[0]?.ind, 4);
  assert.deepEqual(df.toRecords()[0]?.follower_count, 998);
  assert.deepEqual(describe(df.schema), describe(PIN_SCHEMA));
});

Deno.test("cleanPin() accepts a LazyDataFrame and ignores extra columns", async () => {
  const lazy = pl.DataFrame({ index: [1], follower_count: ["2k"], extra: ["x"] }).lazy();
  const { df } = await cleanPin(lazy);
  assert.deepEqual(df.columns, Object.keys(PIN_SCHEMA));
  assert.deepEqual(values({ df, nulled: {}, invalid: {} }, "follower_count"), [2000]);
});

Deno.test("cleanPin() gives an empty frame with the pin schema for empty input", async () => {
  for (const frame of [pl.DataFrame(), rawFrame("pin", []), pl.DataFrame({ index: [] })]) {
    const { df, nulled, invalid } = await cleanPin(frame);
    assert.equal(df.height, 0);
    assert.deepEqual(describe(df.schema), describe(PIN_SCHEMA));
    assert.equal(nulled.title, 0);
    assert.equal(invalid.follower_count, 0);
  }
});

Deno.test("cleanPin(), cleanGeo() and cleanUser() reject what is not a Polars frame", async () => {
  for (const clean of [cleanPin, cleanGeo, cleanUser]) {
    for (const bad of [null, [], { index: [1] }, "pin"]) {
      await assert.rejects(
        () => clean(bad as unknown as pl.DataFrame),
        new TypeError("Cannot clean: expected a Polars DataFrame or LazyDataFrame"),
      );
    }
  }
});
