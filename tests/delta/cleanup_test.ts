import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanupExpiredLogs, DeltaTable, parseInterval } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

const LOG = "_delta_log";
const DAY_MS = 86_400_000;

function logFile(version: number, suffix = "json"): string {
  return `${String(version).padStart(20, "0")}.${suffix}`;
}

function logNames(dir: string): string[] {
  return [...Deno.readDirSync(join(dir, LOG))].map((e) => e.name)
    .filter((n) => /^\d{20}\./.test(n)).sort();
}

/** A table checkpointed every 2 commits, with `commits` commits (versions 0 to commits - 1). */
async function table(
  dir: string,
  commits: number,
  options: { configuration?: Record<string, string>; clock?: () => number } = {},
): Promise<DeltaTable> {
  const t = await DeltaTable.create(dir, everyTypeFrame().schema, {
    configuration: { "delta.checkpointInterval": "2", ...options.configuration },
    clock: options.clock,
  });
  for (let v = 1; v < commits; v++) {
    await t.append(everyTypeFrame(v * 10, 1), { txn: { appId: "q", version: v } });
  }
  return t;
}

/** Sets the modification time of commit `version` and its checkpoint, if any, to `at`. */
async function age(dir: string, versions: number[], at: number): Promise<void> {
  for (const v of versions) {
    for (const suffix of ["json", "checkpoint.parquet"]) {
      await Deno.utime(join(dir, LOG, logFile(v, suffix)), at / 1000, at / 1000).catch(() => {});
    }
  }
}

Deno.test("parseInterval reads table property intervals and names what is allowed", () => {
  assert.equal(parseInterval("interval 30 days"), 30 * DAY_MS);
  assert.equal(parseInterval("INTERVAL 1 day 12 hours"), 1.5 * DAY_MS);
  assert.equal(parseInterval("2 weeks"), 14 * DAY_MS);
  assert.equal(parseInterval("interval 90 seconds"), 90_000);
  for (const bad of ["", "interval", "30", "interval 30 fortnights", "interval -1 days"]) {
    assert.throws(
      () => parseInterval(bad),
      /Invalid interval .*: expected such as "interval 30 days"/,
    );
  }
});

Deno.test("fresh commits are kept: nothing is younger than 30 days to delete", async () => {
  await withTempDir(async (dir) => {
    await table(dir, 5);
    assert.deepEqual(logNames(dir).filter((n) => n.endsWith(".json")).length, 5);
  });
});

Deno.test("with the clock 31 days on, a checkpoint deletes the commits and checkpoints before it", async () => {
  await withTempDir(async (dir) => {
    let now = Date.now();
    const t = await table(dir, 5, { clock: () => now }); // checkpoints at 2 and 4
    const rows = (await t.read()).height;
    now += 31 * DAY_MS;
    await t.append(everyTypeFrame(100, 1)); // 5: no checkpoint, so no cleanup
    assert.equal(logNames(dir).length, 8);
    await t.append(everyTypeFrame(200, 1)); // 6: checkpoint, then cleanup keeps 6 only
    assert.deepEqual(logNames(dir), [logFile(6, "checkpoint.parquet"), logFile(6)]);
    const reopened = await DeltaTable.open(dir);
    assert.equal(reopened.version, 6);
    assert.equal((await reopened.read()).height, rows + 2);
    assert.equal(await reopened.txnVersion("q"), 4);
    assert.deepEqual((await reopened.history()).map((h) => h.version), [6]);
    await assert.rejects(() => reopened.read({ version: 5 }), /commits before it were removed/);
  });
});

Deno.test("only commits older than the retention go, down to the newest checkpoint before the cutoff", async () => {
  await withTempDir(async (dir) => {
    const now = Date.now();
    await table(dir, 8); // checkpoints at 2, 4, 6
    await age(dir, [0, 1, 2, 3, 4, 5], now - 40 * DAY_MS);
    const result = await cleanupExpiredLogs(dir, { retentionMs: 30 * DAY_MS, now });
    // The cutoff commit is 5; the newest checkpoint at or before it is 4.
    assert.deepEqual(result, {
      checkpoint: 4,
      deleted: [logFile(0), logFile(1), logFile(2, "checkpoint.parquet"), logFile(2), logFile(3)],
    });
    assert.equal(logNames(dir)[0], logFile(4, "checkpoint.parquet"));
    assert.equal((await DeltaTable.open(dir)).version, 7);
    assert.equal((await (await DeltaTable.open(dir)).read({ version: 4 })).height, 4);
  });
});

Deno.test("no checkpoint, or delta.enableExpiredLogCleanup false: nothing is deleted", async () => {
  await withTempDir(async (dir) => {
    const plain = join(dir, "plain");
    await DeltaTable.create(plain, everyTypeFrame().schema, {
      configuration: { "delta.checkpointInterval": "100" },
    }).then((t) => t.append(everyTypeFrame(10, 1)));
    await age(plain, [0, 1], Date.now() - 40 * DAY_MS);
    assert.deepEqual(
      await cleanupExpiredLogs(plain, { retentionMs: 30 * DAY_MS }),
      { checkpoint: null, deleted: [] },
    );
    assert.equal(logNames(plain).length, 2);

    const off = join(dir, "off");
    let now = Date.now();
    const t = await table(off, 3, {
      configuration: { "delta.enableExpiredLogCleanup": "false" },
      clock: () => now,
    });
    now += 31 * DAY_MS;
    await t.append(everyTypeFrame(100, 1)); // 3
    await t.append(everyTypeFrame(200, 1)); // 4: checkpoint, no cleanup
    assert.equal(logNames(off).filter((n) => n.endsWith(".json")).length, 5);
  });
});

Deno.test("delta.logRetentionDuration sets the retention; a bad value warns and keeps the commit", async () => {
  await withTempDir(async (dir) => {
    let now = Date.now();
    const t = await table(dir, 3, {
      configuration: { "delta.logRetentionDuration": "interval 1 hour" },
      clock: () => now,
    });
    now += 2 * 3_600_000;
    await t.append(everyTypeFrame(100, 1)); // 3
    await t.append(everyTypeFrame(200, 1)); // 4: checkpoint at 4 deletes 0 to 3
    assert.equal(logNames(dir)[0], logFile(4, "checkpoint.parquet"));

    const bad = join(dir, "bad");
    const b = await table(bad, 2, {
      configuration: { "delta.logRetentionDuration": "a while" },
    });
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (message: string) => warnings.push(message);
    try {
      assert.equal((await b.append(everyTypeFrame(100, 1))).version, 2);
    } finally {
      console.warn = warn;
    }
    assert.match(
      warnings.join("\n"),
      /could not clean up the log of .*: RangeError: Invalid interval "a while"/,
    );
    await assert.rejects(() => b.cleanupLogs(), /Invalid interval "a while"/);
  });
});
