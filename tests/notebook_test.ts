import assert from "node:assert/strict";
import { expectBetween, expectEqual, expectTrue, vegaLiteChart } from "../lib/notebook.ts";
import { jupyterBundle } from "./_helpers.ts";

Deno.test("expectEqual() returns the value when it deeply equals the expected one", () => {
  assert.deepEqual(expectEqual({ a: [1, 2] }, { a: [1, 2] }, "the object"), { a: [1, 2] });
});

Deno.test("expectEqual() throws a message naming what, the expected and the actual value", () => {
  assert.throws(
    () => expectEqual(["pin", "geo"], ["pin", "geo", "user"], "the streams"),
    { message: `Expected the streams to be [ "pin", "geo", "user" ], got [ "pin", "geo" ]` },
  );
  assert.throws(() => expectEqual<unknown>(1, "1", "n"), {
    message: `Expected n to be "1", got 1`,
  });
});

Deno.test("expectBetween() accepts both ends and refuses values outside or NaN", () => {
  assert.equal(expectBetween(100, 100, 103, "rows"), 100);
  assert.equal(expectBetween(103, 100, 103, "rows"), 103);
  assert.throws(() => expectBetween(99, 100, 103, "rows"), {
    message: "Expected rows to be between 100 and 103, got 99",
  });
  assert.throws(() => expectBetween(7, 5, 5, "shards"), {
    message: "Expected shards to be 5, got 7",
  });
  assert.throws(() => expectBetween(NaN, 0, 1, "x"), /got NaN/);
});

Deno.test("expectTrue() throws unless the condition is true", () => {
  expectTrue(true, "nothing");
  assert.throws(() => expectTrue(false, "a sequence number"), {
    message: "Expected a sequence number",
  });
});

Deno.test("vegaLiteChart() shows the Vega-Lite spec and the same chart as SVG in one bundle", async () => {
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Posts by year",
    data: { values: [{ year: "2015", posts: 3 }, { year: "2016", posts: 5 }] },
    mark: "bar",
    encoding: {
      x: { field: "year", type: "ordinal" },
      y: { field: "posts", type: "quantitative" },
    },
  };
  const chart = await vegaLiteChart(spec);
  const bundle = jupyterBundle(chart);
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/svg+xml",
    "text/plain",
  ]);
  assert.equal(bundle["application/vnd.vegalite.v5+json"], spec);
  assert.equal(bundle["text/plain"], "Posts by year");
  assert.match(chart.svg, /^<svg /);
  assert.match(chart.svg, />2016<\/text>/);
  assert.match(chart.svg, />Posts by year<\/text>/);
  await assert.rejects(vegaLiteChart([] as unknown as Record<string, unknown>), TypeError);
});
