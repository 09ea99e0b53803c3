import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { Catalog } from "../../lib/catalog.ts";
import {
  computeGold,
  GOLD_NAMES,
  goldTableName,
  readSilverTables,
} from "../../lib/analytics/mod.ts";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../../lib/clean/mod.ts";
import { mulberry32, readSource, type SourceTables } from "../../lib/data/mod.ts";
import { progressDir, QueryCheckpoint, queryName } from "../../lib/stream/mod.ts";
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

/**
 * The rows a `deno task stream --count N --rate R --seed S` run posts to
 * each stream, from the seed alone: the emitter draws each row's index
 * with mulberry32(seed) (with replacement), and with a rate it draws
 * nothing else.
 */
function seededRows(
  source: SourceTables,
  kind: RecordKind,
  seed: number,
  count: number,
): Record<string, unknown>[] {
  const random = mulberry32(seed);
  return Array.from(
    { length: count },
    () => source[kind][Math.floor(random() * source.pin.length)] as Record<string, unknown>,
  );
}

/** Runs `deno task stream` in `cwd` and returns its stdout, failing on a non-zero exit. */
async function runStream(cwd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli/stream.ts"), ...args],
    cwd,
    env: {
      LAKEHOUSE_DIR: join(cwd, "lakehouse"),
      CHECKPOINT_DIR: join(cwd, "checkpoints"),
      DASHBOARD_PORT: "0",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
  return stdout;
}

/** Asserts that each table holds exactly the rows that cleaning the seeds' rows in batch gives. */
async function assertTablesHold(lakehouse: string, seeds: number[], count: number) {
  const source = await readSource(join(ROOT, "data/pinterest"));
  const catalog = new Catalog({ lakehouseDir: lakehouse });
  for (const kind of RECORD_KINDS as readonly RecordKind[]) {
    const got = await (await catalog.open(`12c0d092d679_${kind}_table`)).read();
    assert.equal(got.height, seeds.length * count, kind);
    const rows = seeds.flatMap((seed) => seededRows(source, kind, seed, count));
    const expected = (await CLEAN[kind](rawFrame(kind, rows))).df;
    assert.deepEqual(canonicalRows(got), canonicalRows(expected), kind);
  }
}

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
      const silver = await readSilverTables(
        new Catalog({ lakehouseDir: lakehouse }),
        "12c0d092d679",
      );
      const answers = computeGold(silver);
      for (const name of GOLD_NAMES) {
        const gold = await (await new Catalog({ lakehouseDir: lakehouse })
          .open(goldTableName("12c0d092d679", name))).read();
        assert.ok(answers[name].height > 0, `${name}: no answer from 300 posts`);
        assert.deepEqual(canonicalRows(gold), canonicalRows(answers[name]), name);
      }

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
