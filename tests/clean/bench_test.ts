import assert from "node:assert/strict";
import { run } from "../../bench/clean.ts";
import { UsageError } from "../../cli/_args.ts";

Deno.test("bench clean runs on a few rows, agrees with DuckDB and cleans up", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  const before = new Set(
    [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")].map((e) => e.name),
  );
  try {
    await run(["--rows", "2000"]);
  } finally {
    console.log = log;
  }
  assert.ok(lines.some((l) => l.startsWith("generated 2,000 raw pin rows")), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("ratio polars/duckdb per run: ")));
  assert.ok(lines.includes("outputs agree row for row"), lines.join("\n"));
  const left = [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")]
    .filter((e) => e.name.startsWith("pinstream-bench-clean-") && !before.has(e.name));
  assert.deepEqual(left, []);
});

const badArgs: [string[], RegExp][] = [
  [["--rows", "0"], /^Invalid --rows "0": expected an integer from 1 to /],
  [["--rows", "many"], /^Invalid --rows "many": expected an integer from 1 to /],
  [["--fast"], /^Unknown option '--fast'\nAllowed options: --rows N, --repeat N, --help$/],
];

for (const [args, message] of badArgs) {
  Deno.test(`bench clean refuses ${args.join(" ")} before doing any work`, async () => {
    await assert.rejects(() => run(args), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, message);
      return true;
    });
  });
}
