import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { Catalog } from "../../lib/catalog.ts";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../../lib/clean/mod.ts";
import { readSource } from "../../lib/data/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { ROOT, withTempDir } from "../_helpers.ts";

const CLEAN = { pin: cleanPin, geo: cleanGeo, user: cleanUser } as const;
const COUNT = 300;

/** Rows as canonical JSON strings, so frames compare as multisets. */
function canonicalRows(df: pl.DataFrame): string[] {
  return df.toRecords().map((r) =>
    JSON.stringify(
      r,
      (_k, v) => typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString() : v,
    )
  ).sort();
}

Deno.test({
  name:
    "deno task stream --count 300 commits exactly 300 rows per table, each equal to cleaning its source row in batch",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      const lakehouse = join(dir, "lakehouse");
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          join(ROOT, "cli/stream.ts"),
          "--count",
          String(COUNT),
          "--rate",
          "150",
          "--batch",
          "25",
          "--trigger",
          "250ms",
          "--seed",
          "11",
        ],
        cwd: dir,
        env: { LAKEHOUSE_DIR: lakehouse, CHECKPOINT_DIR: join(dir, "checkpoints"), NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
      assert.match(
        stdout,
        /Summary:\n {2}12c0d092d679_pin_table: version \d+, 300 rows in \d+ files; this run posted 300, committed 300, quarantined 0/,
      );

      const source = await readSource(join(ROOT, "data/pinterest"));
      const catalog = new Catalog({ lakehouseDir: lakehouse });
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      for (const kind of RECORD_KINDS as readonly RecordKind[]) {
        const table = await catalog.open(`12c0d092d679_${kind}_table`);
        const got = await table.read();
        assert.equal(got.height, COUNT);
        // The same source rows, cleaned in batch by the same functions.
        const inds = new Set(got.getColumn("ind").toArray().map(Number));
        const rows = (source[kind] as Record<string, unknown>[]).filter((r) =>
          inds.has(Number(kind === "pin" ? r.index : r.ind))
        );
        const byInd = new Map(rows.map((r) => [Number(kind === "pin" ? r.index : r.ind), r]));
        const expectedRows = got.getColumn("ind").toArray().map((i) => byInd.get(Number(i))!);
        const expected = (await CLEAN[kind](rawFrame(kind, expectedRows))).df;
        assert.deepEqual(canonicalRows(got), canonicalRows(expected));
        // DuckDB reads the same number of rows from the table's parquet files.
        const files = table.snapshot.files.map((f) => join(table.path, decodeURIComponent(f.path)));
        const reader = await duck.runAndReadAll(
          `select count(*)::INTEGER as n from read_parquet([${
            files.map((f) => `'${f}'`).join(",")
          }])`,
        );
        assert.equal(reader.getRowObjects()[0]?.n, COUNT);
      }
      duck.closeSync();
    }),
});

Deno.test("deno task stream refuses a bad option, saying what is allowed", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli/stream.ts"), "--trigger", "soon"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.equal(
    new TextDecoder().decode(out.stderr).trim(),
    'error: Invalid --trigger "soon": expected a duration such as 250ms, 30s, 5m or 1h',
  );
});
