/** `deno task analytics` (cli/analytics.ts): help, bad options, and two runs over silver tables. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../../lib/catalog.ts";
import { tableName } from "../../lib/config.ts";
import { RECORD_KINDS } from "../../lib/records.ts";
import { GOLD_TABLES } from "../../lib/analytics/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { expectedGold, silverFrames, type SilverRows } from "./_gold.ts";

const CLI = new URL("../../cli/analytics.ts", import.meta.url).pathname;

async function analytics(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { USER_ID: "", LAKEHOUSE_DIR: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

const ROWS: SilverRows = {
  pin: [
    { ind: 1, category: "art", poster_name: "Pots", follower_count: 1200 },
    { ind: 2, category: "art", poster_name: "Inks", follower_count: 300 },
    { ind: 3, category: "travel", poster_name: "Maps", follower_count: 5000 },
    { ind: 1, category: "travel", poster_name: "Pots", follower_count: 1200 },
  ],
  geo: [
    { ind: 1, country: "Chad", timestamp: "2019-03-28T09:16:33Z" },
    { ind: 2, country: "Chad", timestamp: "2020-01-01T00:00:00Z" },
    { ind: 3, country: "Peru", timestamp: "2021-07-04T10:00:00Z" },
  ],
  user: [
    { ind: 1, user_name: "Ann Lee", age: 23, date_joined: "2016-01-20T22:10:50Z" },
    { ind: 2, user_name: "Bo Li", age: 40, date_joined: "2015-11-02T08:00:00Z" },
    { ind: 3, user_name: "Cy Ng", age: 33, date_joined: "2017-05-05T05:05:05Z" },
  ],
};

async function writeSilver(lakehouseDir: string, userId: string): Promise<void> {
  const catalog = new Catalog({ lakehouseDir });
  const frames = silverFrames(ROWS);
  for (const kind of RECORD_KINDS) {
    const table = await catalog.create(tableName(userId, kind), frames[kind].schema);
    await table.append(frames[kind]);
  }
}

Deno.test("deno task analytics --help prints the usage and the options", async () => {
  const { code, stdout } = await analytics("--help");
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: deno task analytics \[--lakehouse DIR\] \[--user-id ID\]/);
  assert.match(stdout, /--lakehouse DIR +lakehouse directory/);
});

const badArgs: [string[], RegExp][] = [
  [
    ["--bogus"],
    /^error: Unknown option '--bogus'\nAllowed options: --lakehouse DIR, --user-id ID, --help/,
  ],
  [["--user-id", "a-b"], /^error: Invalid USER_ID "a-b": expected 1 to 64 letters or digits/],
  [["--lakehouse"], /^error: Option '--lakehouse <value>' argument missing/],
];

for (const [args, message] of badArgs) {
  Deno.test(`deno task analytics ${args.join(" ")} exits 2 saying what is allowed`, async () => {
    const { code, stderr } = await analytics(...args);
    assert.equal(code, 2, stderr);
    assert.match(stderr, message);
  });
}

Deno.test("deno task analytics without silver tables exits 1 naming the missing table", async () => {
  await withTempDir(async (dir) => {
    const { code, stderr } = await analytics("--lakehouse", dir, "--user-id", "u1");
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^error: Cannot read the silver tables default\.u1_pin_table, default\.u1_geo_table, default\.u1_user_table: they do not exist in /,
    );
  });
});

Deno.test("deno task analytics writes the nine gold tables, then overwrites them in a new version", async () => {
  await withTempDir(async (dir) => {
    await writeSilver(dir, "u1");
    const expected = expectedGold(ROWS);
    for (const version of [1, 2]) {
      const { code, stdout, stderr } = await analytics("--lakehouse", dir, "--user-id", "u1");
      assert.equal(code, 0, stderr);
      assert.ok(stdout.startsWith(`Gold tables of u1 in ${dir}/default:\n`), stdout);
      for (const { name } of GOLD_TABLES) {
        const rows = expected[name].length;
        assert.match(
          stdout,
          new RegExp(`\\n  default\\.u1_${name} +${rows} rows  version ${version}\\n`),
        );
      }
      assert.match(stdout, /read silver in \d+ ms, computed in \d+ ms, written in \d+ ms\n$/);
    }
    const catalog = new Catalog({ lakehouseDir: dir });
    for (const { name } of GOLD_TABLES) {
      const table = await catalog.open(`u1_${name}`);
      assert.equal(table.version, 2);
      assert.deepEqual((await table.read()).toRecords(), expected[name], name);
      assert.deepEqual((await table.read({ version: 1 })).toRecords(), expected[name], name);
      assert.ok(await Deno.stat(join(dir, "default", `u1_${name}`, "_delta_log")));
    }
  });
});
