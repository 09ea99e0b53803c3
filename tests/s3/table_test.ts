/**
 * The Delta table suite run against both stores: a local directory and a
 * bucket of a real local S3 (moto). Same calls, same exact rows.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { DeltaTable, openStorage, Snapshot } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";
import { everyTypeFrame } from "../delta/_fixtures.ts";

const DAY_MS = 86_400_000;

type Store = "local" | "s3";
const STORES: Store[] = ["local", "s3"];

/** Runs `fn` with a table location in `store`, cleaned up afterwards. */
function withLocation(store: Store, fn: (location: string) => Promise<void>): Promise<void> {
  if (store === "local") return withTempDir((dir) => fn(`${dir}/table`));
  return withLocalS3((s3) => fn(s3.url("lake/default/table")));
}

function rows(df: pl.DataFrame): Array<[number, string | null]> {
  return df.sort("id").select("id", "word").rows()
    .map(([id, word]) => [Number(id), word as string | null]);
}

function ids(df: pl.DataFrame): number[] {
  return df.getColumn("id").toArray().map(Number).sort((a, b) => a - b);
}

function pinRows(from: number, n: number, category: string): pl.DataFrame {
  const id = Array.from({ length: n }, (_, i) => from + i);
  return pl.DataFrame({ id, title: id.map((i) => `pin ${i}`), category: id.map(() => category) })
    .withColumns(pl.col("id").cast(pl.Int64));
}

for (const store of STORES) {
  const ignore = store === "s3" && skipWithoutMoto("Delta tables in S3");

  Deno.test({
    name: `${store}: create, append and read give back exactly the rows written, with history`,
    ignore,
    ...S3_TEST,
    async fn() {
      await withLocation(store, async (location) => {
        const table = await DeltaTable.create(location, everyTypeFrame().schema);
        await table.append(everyTypeFrame(0, 3), { txn: { appId: "q", version: 0 } });
        await table.append(everyTypeFrame(3, 3), { txn: { appId: "q", version: 1 } });
        const skipped = await table.append(everyTypeFrame(3, 3), {
          txn: { appId: "q", version: 1 },
        });
        assert.deepEqual([skipped.version, skipped.skipped], [2, true]);
        const again = await DeltaTable.open(location);
        assert.equal(again.version, 2);
        assert.deepEqual(rows(await again.read()), rows(everyTypeFrame(0, 6)));
        const written = everyTypeFrame(0, 6).sort("id");
        const read = (await again.read()).sort("id");
        assert.deepEqual(read.toRecords(), written.toRecords());
        assert.equal(await again.txnVersion("q"), 1);
        const history = await again.history();
        assert.deepEqual(history.map((h) => [h.version, h.operation]), [
          [2, "WRITE"],
          [1, "WRITE"],
          [0, "CREATE TABLE"],
        ]);
        assert.equal((await again.describe()).rows, 6);
        assert.deepEqual(rows(await again.tail(2)).map(([id]) => id), [4, 5]);
      });
    },
  });

  Deno.test({
    name: `${store}: a partitioned append puts each category in its own directory`,
    ignore,
    ...S3_TEST,
    async fn() {
      await withLocation(store, async (location) => {
        const table = await DeltaTable.create(location, pinRows(0, 1, "x").schema, {
          partitionColumns: ["category"],
        });
        await table.append(pl.concat([pinRows(0, 2, "art"), pinRows(2, 3, "diy")]));
        const files = await openStorage(location).list("category=");
        assert.deepEqual(
          files.map((f) => f.path.split("/")[0]).sort(),
          ["category=art", "category=diy"],
        );
        const df = (await DeltaTable.open(location).then((t) => t.read())).sort("id");
        assert.deepEqual(df.getColumn("category").toArray(), ["art", "art", "diy", "diy", "diy"]);
        assert.deepEqual(df.getColumn("title").toArray(), [0, 1, 2, 3, 4].map((i) => `pin ${i}`));
      });
    },
  });

  Deno.test({
    name: `${store}: checkpoints, time travel and log cleanup keep every version readable`,
    ignore,
    ...S3_TEST,
    async fn() {
      await withLocation(store, async (location) => {
        let offset = 0;
        const clock = () => Date.now() + offset;
        const table = await DeltaTable.create(location, everyTypeFrame().schema, {
          configuration: { "delta.checkpointInterval": "2" },
          clock,
        });
        for (let v = 1; v <= 5; v++) {
          await table.append(everyTypeFrame(v * 10, 1), { txn: { appId: "q", version: v } });
        }
        const snapshot = await Snapshot.load(location);
        assert.deepEqual(snapshot.source, { checkpoint: 4, commitsReplayed: 1 });
        assert.deepEqual(snapshot.txns.map((t) => [t.appId, t.version]), [["q", 5]]);
        assert.deepEqual(ids(await table.read({ version: 3 })), [10, 20, 30]);
        const at = (await table.history()).find((h) => h.version === 2)!.timestamp;
        assert.deepEqual(ids(await table.read({ timestamp: at })), [10, 20]);
        offset = 31 * DAY_MS;
        const cleaned = await table.cleanupLogs();
        assert.equal(cleaned.checkpoint, 4);
        assert.deepEqual(
          cleaned.deleted,
          [0, 1, 2, 3].map((v) => `${String(v).padStart(20, "0")}.json`).concat(
            `${String(2).padStart(20, "0")}.checkpoint.parquet`,
          ).sort(),
        );
        const reopened = await DeltaTable.open(location);
        assert.equal(reopened.version, 5);
        assert.deepEqual(ids(await reopened.read()), [10, 20, 30, 40, 50]);
        assert.deepEqual(ids(await reopened.read({ version: 4 })), [10, 20, 30, 40]);
        await assert.rejects(() => reopened.read({ version: 2 }), /commits before it were removed/);
      });
    },
  });

  Deno.test({
    name: `${store}: optimize compacts small files and vacuum deletes exactly the removed ones`,
    ignore,
    ...S3_TEST,
    async fn() {
      await withLocation(store, async (location) => {
        let offset = 0;
        const clock = () => Date.now() + offset;
        const table = await DeltaTable.create(location, everyTypeFrame().schema, { clock });
        for (let b = 0; b < 4; b++) await table.append(everyTypeFrame(b * 3, 3));
        const before = table.snapshot.files.map((f) => f.path).sort();
        const result = await table.optimize();
        assert.deepEqual(
          [result.version, result.filesRemoved, result.filesAdded, result.rows],
          [5, 4, 1, 12],
        );
        assert.deepEqual(rows(await table.read()), rows(everyTypeFrame(0, 12)));
        assert.equal((await table.read({ version: 4 })).height, 12);
        offset = 2 * 3_600_000;
        const dry = await table.vacuum({ retentionHours: 1, force: true, dryRun: true });
        assert.deepEqual(dry.files, before);
        const vacuumed = await table.vacuum({ retentionHours: 1, force: true });
        assert.deepEqual([vacuumed.files, vacuumed.failed], [before, []]);
        const left = (await openStorage(location).list("")).map((f) => f.path)
          .filter((p) => !p.startsWith("_delta_log/"));
        assert.deepEqual(left, table.snapshot.files.map((f) => f.path));
        assert.deepEqual(rows(await table.read()), rows(everyTypeFrame(0, 12)));
      });
    },
  });

  Deno.test({
    name: `${store}: overwrite replaces every row in one commit and time travel still sees the old`,
    ignore,
    ...S3_TEST,
    async fn() {
      await withLocation(store, async (location) => {
        const table = await DeltaTable.create(location, everyTypeFrame().schema);
        await table.append(everyTypeFrame(0, 3));
        await table.append(everyTypeFrame(3, 3));
        const result = await table.overwrite(everyTypeFrame(100, 2));
        assert.deepEqual([result.version, result.skipped, result.rows], [3, false, 2]);
        assert.deepEqual(ids(await table.read()), [100, 101]);
        assert.deepEqual(ids(await table.read({ version: 2 })), [0, 1, 2, 3, 4, 5]);
        const [entry] = await table.history({ limit: 1 });
        assert.equal(entry!.operation, "WRITE");
        assert.equal(entry!.operationParameters.mode, "Overwrite");
        assert.equal(entry!.isBlindAppend, false);
        const commit = (await Snapshot.load(location)).files.length;
        assert.equal(commit, 1);
      });
    },
  });
}
