import assert from "node:assert/strict";
import { run } from "../../bench/analytics.ts";
import { UsageError } from "../../cli/_args.ts";

Deno.test("bench analytics runs on a few rows, agrees with DuckDB and cleans up", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const before = new Set([...Deno.readDirSync(tmp)].map((e) => e.name));
  try {
    await run(["--rows", "1500"]);
  } finally {
    console.log = log;
  }
  assert.ok(lines.some((l) => l.startsWith("generated, cleaned and wrote 1,500 rows")));
  assert.ok(lines.some((l) => /^computeGold \(Polars\): [\d,]+ ms$/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("ratio polars/duckdb: ")));
  assert.ok(lines.includes("answers agree row for row"), lines.join("\n"));
  const left = [...Deno.readDirSync(tmp)]
    .filter((e) => e.name.startsWith("pinstream-bench-analytics-") && !before.has(e.name));
  assert.deepEqual(left, []);
});

Deno.test("bench analytics refuses a bad --rows before doing any work", async () => {
  await assert.rejects(() => run(["--rows", "0"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^Invalid --rows "0": expected an integer from 1 to 1000000/);
    return true;
  });
});
