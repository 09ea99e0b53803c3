import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { DeltaTable, UnsupportedTableError } from "../../lib/delta/mod.ts";
import { SHARED_DIR, skipWithoutShared } from "../_helpers.ts";

const ignore = skipWithoutShared("Delta golden tables conformance");
const GOLDEN = SHARED_DIR ? join(SHARED_DIR, "delta-golden") : "";

interface GoldenTable {
  name: string;
  table_root: string;
  latest_version: number;
  expected_rows: number | null;
  expected_rows_derived_not_asserted?: number;
  replay_check: {
    active_files: number;
    tombstones: number;
    rows: number;
    checkpoint_used: { version: number } | null;
    txns: Array<{ appId: string; version: number }>;
  };
  expected: Record<string, unknown>;
}

function manifest(): GoldenTable[] {
  return JSON.parse(Deno.readTextFileSync(join(GOLDEN, "MANIFEST.json"))).tables;
}

function root(table: GoldenTable): string {
  return join(GOLDEN, table.table_root);
}

function column(df: pl.DataFrame, name: string): unknown[] {
  return df.getColumn(name).toArray() as unknown[];
}

function micros(df: pl.DataFrame, name: string): Array<number | null> {
  return df.select(pl.col(name).cast(pl.Int64)).getColumn(name).toArray() as Array<number | null>;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

Deno.test({
  name:
    "every readable golden table matches the manifest's version, files, tombstones, rows and txns",
  ignore,
  async fn() {
    for (const golden of manifest()) {
      if (golden.name === "data-reader-timestamp_ntz") continue;
      const table = await DeltaTable.open(root(golden));
      const snapshot = table.snapshot;
      assert.equal(table.version, golden.latest_version, golden.name);
      assert.equal(snapshot.files.length, golden.replay_check.active_files, golden.name);
      assert.equal(snapshot.tombstones.length, golden.replay_check.tombstones, golden.name);
      assert.equal(
        snapshot.source.checkpoint,
        golden.replay_check.checkpoint_used?.version ?? null,
        `${golden.name} replays from the newest checkpoint`,
      );
      assert.deepEqual(
        snapshot.txns.map((t) => ({ appId: t.appId, version: t.version })),
        golden.replay_check.txns.map((t) => ({ appId: t.appId, version: t.version })),
        golden.name,
      );
      const df = await table.read();
      assert.equal(df.height, golden.replay_check.rows, golden.name);
      if (golden.expected_rows !== null) assert.equal(df.height, golden.expected_rows, golden.name);
    }
  },
});

Deno.test({
  name: "the timestamp_ntz golden table is refused with an error naming the missing feature",
  ignore,
  async fn() {
    const golden = manifest().find((t) => t.name === "data-reader-timestamp_ntz")!;
    await assert.rejects(
      () => DeltaTable.open(root(golden)),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedTableError);
        assert.match(
          error.message,
          /^Cannot read table at .*: it needs reader features timestampNtz/,
        );
        return true;
      },
    );
  },
});

Deno.test({
  name: "golden tables with checkpoints, deletes and restores hold exactly the expected ids",
  ignore,
  async fn() {
    const byName = new Map(manifest().map((t) => [t.name, t]));
    const deletes = await DeltaTable.open(
      root(byName.get("basic-with-inserts-deletes-checkpoint")!),
    );
    const ids = (column(await deletes.read(), "id") as number[]).sort((a, b) => a - b);
    assert.deepEqual(ids, [
      ...range(0, 4),
      ...range(10, 14),
      ...range(20, 24),
      ...range(30, 34),
      ...range(40, 44),
      ...range(50, 65),
    ]);
    const restore = await DeltaTable.open(
      root(byName.get("basic-with-inserts-overwrite-restore")!),
    );
    const restored = (column(await restore.read(), "id") as number[]).sort((a, b) => a - b);
    assert.deepEqual(restored, range(0, 199));
    const repartitioned = await DeltaTable.open(root(byName.get("snapshot-repartitioned")!));
    const rows = (await repartitioned.read()).sort("col1").toRecords();
    assert.deepEqual(rows, range(0, 19).map((i) => ({ col1: i, col2: `data-3-${i}` })));
  },
});

Deno.test({
  name:
    "the delta-rs simple table reads [5, 7, 9] now and [0..4] at version 0, ignoring .tmp commits",
  ignore,
  async fn() {
    const golden = manifest().find((t) => t.name === "simple_table")!;
    const table = await DeltaTable.open(root(golden));
    assert.equal(table.version, 4);
    const latest = (column(await table.read(), "id") as number[]).sort((a, b) => a - b);
    assert.deepEqual(latest, [5, 7, 9]);
    const v0 = (column(await table.read({ version: 0 }), "id") as number[]).sort((a, b) => a - b);
    assert.deepEqual(v0, [0, 1, 2, 3, 4]);
  },
});

Deno.test({
  name: "timestamp partitions and columns of the kernel table come back as UTC microseconds",
  ignore,
  async fn() {
    const golden = manifest().find((t) => t.name === "kernel-timestamp-TIMESTAMP_MICROS")!;
    const df = (await (await DeltaTable.open(root(golden))).read()).sort("id");
    assert.equal(String(df.getColumn("time").dtype), "DataType(Datetime(us,UTC))");
    const rows = (column(df, "id") as number[]).map((id, i) => [
      id,
      micros(df, "part")[i],
      micros(df, "time")[i],
    ]);
    assert.deepEqual(rows, golden.expected.rows_id_part_us_time_us);
  },
});

Deno.test({
  name: "string partitions of the delta 0.8.0 table come from the log, not the files",
  ignore,
  async fn() {
    const golden = manifest().find((t) => t.name === "delta-0.8.0-partitioned")!;
    const expected = golden.expected.rows_as_read_by_delta_rs as Record<string, string[]>;
    const df = await (await DeltaTable.open(root(golden))).read();
    const key = (r: Record<string, unknown>) => `${r.value}|${r.year}|${r.month}|${r.day}`;
    const got = df.toRecords().map(key).sort();
    const want = expected.value!.map((value, i) =>
      key({ value, year: expected.year![i], month: expected.month![i], day: expected.day![i] })
    ).sort();
    assert.deepEqual(got, want);
  },
});

Deno.test({
  name: "primitive and array golden tables hold i, i as long, str(i) and i % 2 == 0 for i in 0..9",
  ignore,
  async fn() {
    const byName = new Map(manifest().map((t) => [t.name, t]));
    const primitives = await (await DeltaTable.open(root(byName.get("data-reader-primitives")!)))
      .read();
    const simple = primitives
      .select("as_int", "as_long", "as_byte", "as_short", "as_boolean", "as_double", "as_string")
      .sort("as_int", false, true)
      .toRecords();
    assert.equal(simple.length, 11);
    assert.deepEqual(simple[10], {
      as_int: null,
      as_long: null,
      as_byte: null,
      as_short: null,
      as_boolean: null,
      as_double: null,
      as_string: null,
    });
    assert.deepEqual(
      simple.slice(0, 10),
      range(0, 9).map((i) => ({
        as_int: i,
        as_long: i,
        as_byte: i,
        as_short: i,
        as_boolean: i % 2 === 0,
        as_double: i,
        as_string: String(i),
      })),
    );
    const arrays = await (await DeltaTable.open(root(byName.get("data-reader-array-primitives")!)))
      .read();
    const lists = arrays
      .select("as_array_int", "as_array_long", "as_array_boolean", "as_array_string")
      .toRecords()
      .sort((a, b) =>
        (a.as_array_int as unknown as number[])[0]! - (b.as_array_int as unknown as number[])[0]!
      );
    assert.deepEqual(
      lists,
      range(0, 9).map((i) => ({
        as_array_int: [i],
        as_array_long: [i],
        as_array_boolean: [i % 2 === 0],
        as_array_string: [String(i)],
      })),
    );
  },
});

Deno.test({
  name: "the DAT reference tables equal their table_content.parquet as multisets",
  ignore,
  async fn() {
    for (const name of ["dat-reference_table_1", "dat-reference_table_2"]) {
      const golden = manifest().find((t) => t.name === name)!;
      const df = await (await DeltaTable.open(root(golden))).read();
      const expected = pl.readParquet(join(GOLDEN, name, "parquet", "table_content.parquet"));
      const key = (r: Record<string, unknown>) => JSON.stringify([r.letter, r.number, r.a_float]);
      assert.deepEqual(
        df.toRecords().map(key).sort(),
        expected.toRecords().map(key).sort(),
        name,
      );
    }
  },
});

Deno.test({
  name: "the streaming golden table exposes its txn and the STREAMING UPDATE in history",
  ignore,
  async fn() {
    const golden = manifest().find((t) => t.name === "delta-0.2.0")!;
    const table = await DeltaTable.open(root(golden));
    assert.equal(await table.txnVersion("e4a20b59-dd0e-4c50-b074-e8ae4786df30"), 0);
    const values = (column(await table.read(), "value") as number[]).sort((a, b) => a - b);
    assert.deepEqual(values, [1, 1, 2, 2, 3, 3]);
    const history = await table.history();
    assert.deepEqual(history.map((h) => h.version), [3, 2, 1, 0]);
    assert.ok(history.some((h) => h.operation === "STREAMING UPDATE"));
  },
});
