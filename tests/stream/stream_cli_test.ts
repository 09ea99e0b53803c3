import assert from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Catalog } from "../../lib/catalog.ts";
import { progressDir, QueryCheckpoint, queryName } from "../../lib/stream/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { ROOT, withTempDir } from "../_helpers.ts";
import { assertGoldMatchesSilver, assertTablesHold, runStream } from "../_pipeline.ts";

const COUNT = 300;

Deno.test({
  name:
    "deno task stream --count 300 commits exactly 300 rows per table, each equal to cleaning its seed's source row in batch",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      const lakehouse = join(dir, "lakehouse");
      const stdout = await runStream(dir, [
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
      ]);
      assert.match(
        stdout,
        /Summary:\n {2}12c0d092d679_pin_table: version \d+, 300 rows in \d+ files; this run posted 300, committed 300, quarantined 0/,
      );
      assert.match(stdout, /^Dashboard at http:\/\/127\.0\.0\.1:\d+\/$/m);
      // The rows the seed picks, cleaned in batch by the same functions.
      await assertTablesHold(lakehouse, [11], COUNT);

      // The live gold query's last refresh ran over the final silver tables: each gold
      // table equals the batch answer over them.
      await assertGoldMatchesSilver(lakehouse);

      // DuckDB reads the same number of rows from the tables' parquet files.
      const catalog = new Catalog({ lakehouseDir: lakehouse });
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      try {
        for (const kind of RECORD_KINDS) {
          const table = await catalog.open(`12c0d092d679_${kind}_table`);
          const files = table.snapshot.files.map((f) =>
            join(table.path, decodeURIComponent(f.path))
          );
          const reader = await duck.runAndReadAll(
            `select count(*)::INTEGER as n from read_parquet([${
              files.map((f) => `'${f}'`).join(",")
            }])`,
          );
          assert.equal(reader.getRowObjects()[0]?.n, COUNT);
        }
      } finally {
        duck.closeSync();
      }
    }),
});

Deno.test({
  name:
    "deno task stream run twice resumes from the checkpoints and the kept streams: 30 + 30 rows per table, batch ids following on; --fresh starts over saying what it discards",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      const run = (seed: number, ...extra: string[]) =>
        runStream(dir, [
          ...extra,
          "--count",
          "30",
          "--rate",
          "100",
          "--batch",
          "10",
          "--trigger",
          "250ms",
          "--seed",
          String(seed),
        ]);
      const checkpoint = (kind: RecordKind) =>
        join(dir, "checkpoints", queryName("12c0d092d679", kind));
      const runs = async (kind: RecordKind) => {
        const entries = await Array.fromAsync(Deno.readDir(progressDir(checkpoint(kind))));
        return new Set(entries.map((e) => e.name));
      };

      await run(21);
      // The default KINESIS_DATA_DIR, in the working directory.
      assert.ok((await Deno.stat(join(dir, "kinesis-data", "kinesis-data.json"))).isFile);
      const last: Partial<Record<RecordKind, number>> = {};
      const firstRuns: Partial<Record<RecordKind, Set<string>>> = {};
      for (const kind of RECORD_KINDS) {
        last[kind] = await new QueryCheckpoint(checkpoint(kind)).latestCommittedBatch();
        assert.ok(last[kind]! >= 0, `${kind}: no batch committed in the first run`);
        firstRuns[kind] = await runs(kind);
      }

      const second = await run(22);
      assert.doesNotMatch(second, /Discarded/);
      assert.match(second, /this run posted 30, committed 30, quarantined 0/);
      // Exactly the 60 rows the two seeds picked: nothing read twice, nothing lost.
      await assertTablesHold(join(dir, "lakehouse"), [21, 22], 30);
      for (const kind of RECORD_KINDS) {
        const added = [...await runs(kind)].filter((f) => !firstRuns[kind]!.has(f));
        assert.equal(added.length, 1, `${kind}: one progress file per run`);
        const lines = (await Deno.readTextFile(join(progressDir(checkpoint(kind)), added[0]!)))
          .trim().split("\n").map((l) => JSON.parse(l) as { batchId: number });
        assert.equal(lines[0]?.batchId, last[kind]! + 1, `${kind}: first batch of the second run`);
      }

      // --fresh says what it discards and starts new streams and checkpoints; the tables
      // keep their rows.
      const fresh = await run(23, "--fresh");
      for (const kind of RECORD_KINDS) {
        assert.match(fresh, new RegExp(`streaming-12c0d092d679-${kind} \\(60 records\\)`));
        assert.match(fresh, new RegExp(`Discarded checkpoint .*12c0d092d679_${kind}_query`));
        assert.equal(await new QueryCheckpoint(checkpoint(kind)).latestCommittedBatch() >= 0, true);
        const runFiles = await runs(kind);
        assert.equal(runFiles.size, 1, `${kind}: the fresh checkpoint holds only this run`);
      }
      assert.match(fresh, /^Discarded the local Kinesis data in /m);
      await assertTablesHold(join(dir, "lakehouse"), [21, 22, 23], 30);
    }),
});

Deno.test("deno task stream refuses a trigger without a unit instead of guessing one", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli/stream.ts"), "--trigger", "10"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.equal(
    new TextDecoder().decode(out.stderr).trim(),
    'error: Invalid --trigger "10": add a unit, e.g. 10s or 10ms',
  );
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
