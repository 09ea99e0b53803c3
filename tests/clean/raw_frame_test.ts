import assert from "node:assert/strict";
import { RAW_SCHEMAS, rawFrame } from "../../lib/clean/mod.ts";
import { RECORD_COLUMNS, RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { describe } from "./_clean.ts";

for (const kind of RECORD_KINDS) {
  Deno.test(`rawFrame("${kind}") has the record's fields as columns, in order`, () => {
    const df = rawFrame(kind, []);
    assert.deepEqual(df.columns, [...RECORD_COLUMNS[kind]]);
    assert.deepEqual(describe(df.schema), describe(RAW_SCHEMAS[kind]));
  });
}

Deno.test("rawFrame() keeps values, reads missing keys as null and ignores unknown keys", () => {
  const df = rawFrame("geo", [
    { ind: 4, timestamp: "2022-07-07 00:18:41", latitude: -88, longitude: 10.5, country: "Chad" },
    { ind: 12, extra: "ignored" },
  ]);
  assert.deepEqual(df.toRecords(), [
    { ind: 4, timestamp: "2022-07-07 00:18:41", latitude: -88, longitude: 10.5, country: "Chad" },
    { ind: 12, timestamp: null, latitude: null, longitude: null, country: null },
  ]);
  assert.deepEqual(describe(df.schema), [
    ["ind", "Int64"],
    ["timestamp", "String"],
    ["latitude", "Float64"],
    ["longitude", "Float64"],
    ["country", "String"],
  ]);
});

const badCases: [RecordKind, unknown[], RegExp][] = [
  ["pin", [{ index: "7528" }], /record 0 field "index" must be an integer or null/],
  ["pin", [{ index: 1 }, { index: 1.5 }], /record 1 field "index" must be an integer/],
  ["pin", [{ index: 1, follower_count: 12 }], /field "follower_count" must be a string/],
  ["geo", [{ ind: 1, latitude: "1.5" }], /field "latitude" must be a number or null/],
  ["user", [null], /record 0 is not an object/],
  ["tweet" as RecordKind, [], /unknown record kind "tweet" \(expected pin, geo, user\)/],
];

for (const [kind, records, message] of badCases) {
  Deno.test(`rawFrame() refuses ${JSON.stringify(records)} as ${kind} with a TypeError`, () => {
    assert.throws(() => rawFrame(kind, records as object[]), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\.$/);
      return true;
    });
  });
}
