import assert from "node:assert/strict";
import { DeltaTable } from "../../lib/delta/mod.ts";
import { CommitConflictError } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

function parquetCount(dir: string): number {
  return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".parquet")).length;
}

Deno.test("an append that loses the race retries at the next version, since appends never conflict", async () => {
  await withTempDir(async (dir) => {
    const a = await DeltaTable.create(dir, everyTypeFrame().schema);
    const b = await DeltaTable.open(dir);
    const result = await a.append(everyTypeFrame(0, 3), {
      beforeCommit: async () => {
        await b.append(everyTypeFrame(10, 3));
      },
    });
    assert.equal(result.version, 2);
    assert.deepEqual((await a.history()).map((h) => h.readVersion), [0, 0, null]);
    assert.equal((await a.read()).height, 6);
  });
});

Deno.test("an append out of attempts throws CommitConflictError and deletes its uncommitted files", async () => {
  await withTempDir(async (dir) => {
    const a = await DeltaTable.create(dir, everyTypeFrame().schema);
    const b = await DeltaTable.open(dir);
    await assert.rejects(
      () =>
        a.append(everyTypeFrame(0, 3), {
          maxCommitAttempts: 1,
          beforeCommit: async () => {
            await b.append(everyTypeFrame(10, 3));
          },
        }),
      (error: unknown) => {
        assert.ok(error instanceof CommitConflictError);
        assert.equal(error.version, 1);
        assert.match(error.message, /^Cannot commit to .*: other writers won the race/);
        return true;
      },
    );
    assert.equal(parquetCount(dir), 1, "only the winner's file is left");
    assert.equal((await a.read()).height, 3);
  });
});

Deno.test("an append whose txn a racing writer committed first is skipped and leaves no file", async () => {
  await withTempDir(async (dir) => {
    const a = await DeltaTable.create(dir, everyTypeFrame().schema);
    const b = await DeltaTable.open(dir);
    const txn = { appId: "query-1", version: 7 };
    const result = await a.append(everyTypeFrame(0, 3), {
      txn,
      beforeCommit: async () => {
        await b.append(everyTypeFrame(0, 3), { txn });
      },
    });
    assert.deepEqual([result.version, result.skipped, result.files], [1, true, 0]);
    assert.equal(parquetCount(dir), 1);
    assert.equal((await a.read()).height, 3);
  });
});
