/** `deno task data` (cli/data.ts): help, bad options and a small run. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "../_helpers.ts";

const CLI = new URL("../../cli/data.ts", import.meta.url).pathname;

async function data(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("deno task data --help prints the usage and the options", async () => {
  const { code, stdout } = await data("--help");
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: deno task data \[--rows N\] \[--seed N\] \[--out DIR\]/);
  assert.match(stdout, /--rows N +rows per table, an integer from 1 to 1000000 \(default 11000\)/);
});

const badArgs: [string[], RegExp][] = [
  [["--bogus"], /^error: Unknown option '--bogus'\nAllowed options: --rows N, --seed N, --out DIR/],
  [["--rows", "0"], /^error: Invalid --rows "0": expected an integer from 1 to 1000000/],
  [["--rows", "1.5"], /^error: Invalid --rows "1.5": expected an integer/],
  [["--seed", "x"], /^error: Invalid --seed "x": expected an integer/],
];

for (const [args, message] of badArgs) {
  Deno.test(`deno task data ${args.join(" ")} exits 2 saying what is allowed`, async () => {
    const { code, stderr } = await data(...args);
    assert.equal(code, 2);
    assert.match(stderr, message);
  });
}

Deno.test("deno task data --rows 5 writes the three tables", async () => {
  await withTempDir(async (dir) => {
    const { code, stdout } = await data("--rows", "5", "--seed", "3", "--out", dir);
    assert.equal(code, 0, stdout);
    for (const kind of ["pin", "geo", "user"]) {
      const text = await Deno.readTextFile(join(dir, `${kind}.ndjson`));
      assert.equal(text.trim().split("\n").length, 5);
    }
    assert.match(stdout, /generated with seed 3 in \d+ ms/);
  });
});
