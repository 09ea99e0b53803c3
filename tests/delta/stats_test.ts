import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { computeStats, type DeltaStructField } from "../../lib/delta/mod.ts";
import {
  encodeAddPath,
  escapePartitionValue,
  parseTimestampMicros,
} from "../../lib/delta/partition.ts";

function field(name: string, type: string): DeltaStructField {
  return { name, type, nullable: true, metadata: {} };
}

Deno.test("stats write a long above 2^53 exactly, as a JSON number", () => {
  const df = pl.DataFrame({ id: ["1152921504606846977", "5"] }).withColumns(
    pl.col("id").cast(pl.Int64),
  );
  const stats = computeStats(df, [field("id", "long")]);
  assert.match(stats, /"maxValues":\{"id":1152921504606846977\}/);
  assert.match(stats, /"minValues":\{"id":5\}/);
});

Deno.test("stats drop min and max of a float column holding NaN or infinity", () => {
  const df = pl.DataFrame({ x: [1.5, NaN], y: [1, Infinity], z: [0.5, 2] });
  const stats = JSON.parse(
    computeStats(df, [field("x", "double"), field("y", "double"), field("z", "double")]),
  );
  assert.deepEqual(stats.minValues, { z: 0.5 });
  assert.deepEqual(stats.maxValues, { z: 2 });
  assert.deepEqual(stats.nullCount, { x: 0, y: 0, z: 0 });
});

Deno.test("timestamp stats round min down and max up to whole milliseconds", () => {
  const df = pl.DataFrame({ at: [1_700_000_000_123_456, 1_700_000_000_999_001] }).withColumns(
    pl.col("at").cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
  );
  const stats = JSON.parse(computeStats(df, [field("at", "timestamp")]));
  assert.equal(stats.minValues.at, "2023-11-14T22:13:20.123Z");
  assert.equal(stats.maxValues.at, "2023-11-14T22:13:21.000Z");
});

Deno.test("stats keep a 32-character prefix as a string min and omit a longer max", () => {
  const long = "x".repeat(40);
  const df = pl.DataFrame({ s: [long, "y"] });
  const stats = JSON.parse(computeStats(df, [field("s", "string")]));
  assert.equal(stats.minValues.s, "x".repeat(32));
  assert.equal(stats.maxValues.s, "y");
  const longMax = JSON.parse(computeStats(pl.DataFrame({ s: ["a", "z".repeat(40)] }), [
    field("s", "string"),
  ]));
  assert.equal(longMax.maxValues.s, undefined);
});

Deno.test("stats cover only the first delta.dataSkippingNumIndexedCols columns", () => {
  const df = pl.DataFrame({ a: [1], b: [2], c: [3] });
  const fields = ["a", "b", "c"].map((n) => field(n, "double"));
  const stats = JSON.parse(computeStats(df, fields, { numIndexedCols: 2 }));
  assert.deepEqual(Object.keys(stats.nullCount), ["a", "b"]);
});

Deno.test("partition values are escaped like Spark and add paths percent-encoded once more", () => {
  assert.equal(escapePartitionValue("2020-01-01 08:09:10.001"), "2020-01-01 08%3A09%3A10.001");
  assert.equal(escapePartitionValue("a/b=c"), "a%2Fb%3Dc");
  assert.equal(
    encodeAddPath("part=2020-01-01 08%3A09%3A10.001/f.parquet"),
    "part=2020-01-01%2008%253A09%253A10.001/f.parquet",
  );
  assert.equal(parseTimestampMicros("2020-01-01 08:09:10.001"), 1577866150001000);
  assert.equal(parseTimestampMicros("1970-01-01T00:00:00.123456Z"), 123456);
  assert.equal(parseTimestampMicros("1969-01-01 00:00:00"), -31536000000000);
});
