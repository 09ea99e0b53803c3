/** `deno task sample` (cli/sample.ts) and `deno task table` (cli/table.ts) as subprocesses. */
import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { Catalog } from "../../lib/catalog.ts";
import { withTempDir } from "../_helpers.ts";

const SAMPLE = new URL("../../cli/sample.ts", import.meta.url).pathname;
const TABLE = new URL("../../cli/table.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cli: string, args: string[], lakehouse?: string): Promise<Run> {
  const env: Record<string, string> = lakehouse ? { LAKEHOUSE_DIR: lakehouse } : {};
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** A lakehouse with `default.pins`: 3 appends of 2 rows (ids 0 to 5, versions 1 to 3). */
async function withLakehouse(fn: (dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const table = await new Catalog({ lakehouseDir: dir }).create("pins", {
      id: pl.Int64,
      title: pl.Utf8,
    });
    for (let i = 0; i < 3; i++) {
      await table.append(
        pl.DataFrame({ id: [2 * i, 2 * i + 1], title: [`pin ${2 * i}`, `pin ${2 * i + 1}`] })
          .withColumns(pl.col("id").cast(pl.Int64)),
      );
    }
    await fn(dir);
  });
}

Deno.test("deno task sample and deno task table --help print the usage and exit 0", async () => {
  const [sample, table] = await Promise.all([
    run(SAMPLE, ["--help"]),
    run(TABLE, ["--help"]),
  ]);
  assert.equal(sample.code, 0);
  assert.match(sample.stdout, /^Usage: deno task sample <table> \[--limit N\]/);
  assert.match(sample.stdout, /--limit N +rows to show, an integer from 1 to 10000/);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^Usage: deno task table <command> <table>/);
  assert.match(table.stdout, /history +the table's commits/);
  assert.match(table.stdout, /--dry-run +vacuum: list the files without deleting them/);
});

const badArgs: [string, string[], RegExp][] = [
  [SAMPLE, ["pins", "--bogus"], /^error: Unknown option '--bogus'\nAllowed options: --limit N/],
  [SAMPLE, ["pins", "--limit", "0"], /^error: Invalid --limit "0": expected an integer from 1/],
  [
    SAMPLE,
    ["../etc"],
    /^error: Cannot use table name "\.\.\/etc": names must match \[A-Za-z0-9_\]\+/,
  ],
  [SAMPLE, [], /^error: Missing the table name: give one table such as/],
  [SAMPLE, ["a", "b"], /^error: Too many arguments \(a b\): give exactly one table name/],
  [
    TABLE,
    ["frobnicate", "pins"],
    /^error: Unknown command "frobnicate": expected one of history, describe, optimize, vacuum/,
  ],
  [
    TABLE,
    ["history", "a/b"],
    /^error: Cannot use table name "a\/b": names must match \[A-Za-z0-9_\]\+/,
  ],
  [TABLE, ["history"], /^error: Missing the table name/],
  [
    TABLE,
    ["history", "pins", "--dry-run"],
    /^error: Option --dry-run applies to vacuum only, not to history/,
  ],
  [
    TABLE,
    ["vacuum", "pins", "--retention-hours", "1"],
    /^error: Invalid --retention-hours 1: below 168 hours .* add --force/,
  ],
  [
    TABLE,
    ["history", "pins", "--bogus"],
    /^error: Unknown option '--bogus'\nAllowed options: --limit N, --target-file-size BYTES/,
  ],
];

Deno.test("bad options, commands and table names exit 2 saying what is allowed", async () => {
  await withTempDir(async (dir) => {
    // One at a time: Deno processes started together can print lock-wait notices on stderr.
    for (const [cli, args, message] of badArgs) {
      const what = `${cli.endsWith("sample.ts") ? "sample" : "table"} ${args.join(" ")}`;
      const result = await run(cli, args, dir);
      assert.equal(result.code, 2, `${what}: ${result.stderr}`);
      assert.match(result.stderr, message, `${what}: ${result.stderr}`);
    }
  });
});

Deno.test("a table that does not exist exits 1 naming it", async () => {
  await withTempDir(async (dir) => {
    const { code, stderr } = await run(SAMPLE, ["nope"], dir);
    assert.equal(code, 1);
    assert.match(stderr, /^error: Cannot open table default\.nope: it does not exist/);
  });
});

Deno.test("deno task sample prints the newest rows first, with the version and row count", async () => {
  await withLakehouse(async (dir) => {
    const { code, stdout, stderr } = await run(SAMPLE, ["default.pins", "--limit", "3"], dir);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^default\.pins at version 3: 6 rows in 3 files; newest 3 first\n/);
    const ids = [...stdout.matchAll(/│ (\d) +┆ pin \d/g)].map((m) => Number(m[1]));
    assert.deepEqual(ids, [5, 4, 3]);
  });
});

Deno.test("deno task table history, describe, optimize and vacuum --dry-run work on a small table", async () => {
  await withLakehouse(async (dir) => {
    const history = await run(TABLE, ["history", "pins"], dir);
    assert.equal(history.code, 0, history.stderr);
    const versions = [...history.stdout.matchAll(/│ (\d) +┆ \d{4}-\d\d-\d\dT[^┆]+┆ (\S[^┆]*?) +┆/g)]
      .map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(versions, [[3, "WRITE"], [2, "WRITE"], [1, "WRITE"], [0, "CREATE TABLE"]]);
    const limited = await run(TABLE, ["history", "pins", "--limit", "1"], dir);
    assert.match(limited.stdout, /shape: \(1, 5\)/);

    const describe = await run(TABLE, ["describe", "pins"], dir);
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(describe.stdout, /^table: +default\.pins$/m);
    assert.match(describe.stdout, /^version: +3$/m);
    assert.match(describe.stdout, /^files: +3$/m);
    assert.match(describe.stdout, /^rows: +6$/m);
    assert.match(describe.stdout, /^ {2}id: long\n {2}title: string/m);

    const optimize = await run(TABLE, ["optimize", "pins"], dir);
    assert.equal(optimize.code, 0, optimize.stderr);
    assert.equal(optimize.stdout, "pins: compacted 3 files into 1 (6 rows) at version 4\n");
    const again = await run(TABLE, ["optimize", "pins"], dir);
    assert.equal(again.stdout, "pins: nothing to compact at version 4\n");

    const tableDir = join(dir, "default", "pins");
    const parquet = () =>
      [...Deno.readDirSync(tableDir)].filter((e) => e.name.endsWith(".parquet")).length;
    assert.equal(parquet(), 4);
    const kept = await run(TABLE, ["vacuum", "pins", "--dry-run"], dir);
    assert.equal(kept.stdout, "pins: would delete 0 files (0 bytes)\n");
    const dry = await run(
      TABLE,
      ["vacuum", "pins", "--dry-run", "--retention-hours", "0", "--force"],
      dir,
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.match(/^would delete part-\S+\.snappy\.parquet$/gm)?.length, 3);
    assert.match(dry.stdout, /pins: would delete 3 files \(\d+ bytes\)\n$/);
    assert.equal(parquet(), 4, "a dry run deletes nothing");
  });
});
