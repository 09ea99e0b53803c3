import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { cleanGeo, GEO_SCHEMA, rawFrame } from "../../lib/clean/mod.ts";
import { describe, stringFrame, values } from "./_clean.ts";

Deno.test("cleanGeo() returns exactly the geo table's columns, types and order", async () => {
  const { df } = await cleanGeo(rawFrame("geo", [{ ind: 1 }]));
  const expected = [
    ["ind", "Int64"],
    ["country", "String"],
    ["coordinates", "List(Float64"],
    ["timestamp", "Datetime(us,UTC"],
  ];
  assert.deepEqual(describe(df.schema), expected);
  assert.deepEqual(describe(GEO_SCHEMA), expected);
});

Deno.test("cleanGeo() turns latitude and longitude into coordinates and drops them", async () => {
  const record = {
    ind: 7528,
    timestamp: "2020-08-28 03:52:47",
    latitude: -89.9787,
    longitude: -173.293,
    country: "Antarctica (the territory South of 60 deg S)",
  };
  const { df, nulled, invalid } = await cleanGeo(rawFrame("geo", [record]));
  assert.deepEqual(df.toRecords(), [{
    ind: 7528,
    country: "Antarctica (the territory South of 60 deg S)",
    coordinates: [-89.9787, -173.293],
    timestamp: new Date("2020-08-28T03:52:47Z"),
  }]);
  assert.deepEqual(nulled, { country: 0, timestamp: 0 });
  assert.deepEqual(invalid, { coordinates: 0, timestamp: 0 });
});

const timestampCases: [string | null, string | null, "value" | "nulled" | "invalid"][] = [
  ["2020-08-28 03:52:47", "2020-08-28T03:52:47.000000Z", "value"],
  ["2020-08-28T03:52:47", "2020-08-28T03:52:47.000000Z", "value"],
  ["2020-08-28T03:52:47Z", "2020-08-28T03:52:47.000000Z", "value"],
  ["2020-08-28 03:52:47.5", "2020-08-28T03:52:47.500000Z", "value"],
  ["2020-08-28T03:52:47.123456Z", "2020-08-28T03:52:47.123456Z", "value"],
  ["2020-08-28T03:52:47.123456789", "2020-08-28T03:52:47.123456Z", "value"],
  ["2020-08-28T05:52:47+02:00", "2020-08-28T03:52:47.000000Z", "value"],
  ["2020-08-28T01:22:47-0230", "2020-08-28T03:52:47.000000Z", "value"],
  [" 2017-10-20 00:00:00\u00a0", "2017-10-20T00:00:00.000000Z", "value"],
  ["", null, "nulled"],
  ["  ", null, "nulled"],
  [null, null, "value"],
  ["yesterday", null, "invalid"],
  ["2020-13-28 03:52:47", null, "invalid"],
  ["2021-02-29 00:00:00", null, "invalid"],
  ["2020-08-28 25:00:00", null, "invalid"],
  ["x2020-08-28 03:52:47", null, "invalid"],
  ["2020-08-28", null, "invalid"],
];

/** Microseconds since the epoch of an ISO string with six fraction digits. */
function micros(iso: string): bigint {
  const [whole, fraction] = iso.replace("Z", "").split(".");
  return BigInt(Date.parse(`${whole}Z`)) * 1000n + BigInt(fraction ?? "0");
}

for (const [text, expected, outcome] of timestampCases) {
  Deno.test(
    `cleanGeo() reads timestamp ${JSON.stringify(text)} as ${expected ?? "null"} (${outcome})`,
    async () => {
      const result = await cleanGeo(stringFrame("ind", "timestamp", [text]));
      const us = result.df.select(pl.col("timestamp").cast(pl.Int64)).getColumn("timestamp")
        .toArray()[0];
      assert.equal(us === null ? null : BigInt(us as number), expected && micros(expected));
      assert.equal(result.nulled.timestamp, outcome === "nulled" ? 1 : 0);
      assert.equal(result.invalid.timestamp, outcome === "invalid" ? 1 : 0);
    },
  );
}

const coordinateCases: [number | null, number | null, number[] | null, number][] = [
  [1.5, -2.25, [1.5, -2.25], 0],
  [90, 180, [90, 180], 0],
  [-90, -180, [-90, -180], 0],
  [null, 3, null, 1],
  [3, null, null, 1],
  [null, null, null, 0],
  [90.5, 0, null, 1],
  [0, -180.1, null, 1],
  [NaN, 0, null, 1],
];

for (const [latitude, longitude, expected, invalid] of coordinateCases) {
  Deno.test(
    `cleanGeo() makes coordinates ${JSON.stringify(expected)} of ${latitude}, ${longitude}`,
    async () => {
      const frame = pl.DataFrame([
        pl.Series("ind", [1], pl.Int64),
        pl.Series("latitude", [latitude], pl.Float64),
        pl.Series("longitude", [longitude], pl.Float64),
      ]);
      const result = await cleanGeo(frame);
      assert.deepEqual(values(result, "coordinates"), [expected]);
      assert.equal(result.invalid.coordinates, invalid);
    },
  );
}

Deno.test("cleanGeo() keeps unicode country names and nulls blank ones", async () => {
  const names = ["Côte d'Ivoire", "Saint Vincent and the Grenadines", "", "\u00a0", null];
  const result = await cleanGeo(stringFrame("ind", "country", names));
  assert.deepEqual(values(result, "country"), [
    "Côte d'Ivoire",
    "Saint Vincent and the Grenadines",
    null,
    null,
    null,
  ]);
  assert.equal(result.nulled.country, 2);
});

Deno.test("cleanGeo() reads missing and all-null source columns as nulls", async () => {
  for (
    const frame of [
      pl.DataFrame({ ind: [1] }),
      pl.DataFrame({ ind: [1], latitude: [null], timestamp: [null] }),
    ]
  ) {
    const { df } = await cleanGeo(frame);
    assert.deepEqual(describe(df.schema), describe(GEO_SCHEMA));
    assert.deepEqual(df.toRecords(), [{
      ind: 1,
      country: null,
      coordinates: null,
      timestamp: null,
    }]);
  }
});

Deno.test("cleanGeo() gives an empty frame with the geo schema for empty input", async () => {
  for (const frame of [pl.DataFrame(), rawFrame("geo", []), pl.DataFrame({ ind: [] }).lazy()]) {
    const { df } = await cleanGeo(frame);
    assert.equal(df.height, 0);
    assert.deepEqual(describe(df.schema), describe(GEO_SCHEMA));
  }
});
