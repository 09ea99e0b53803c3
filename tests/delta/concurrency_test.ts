import assert from "node:assert/strict";
import { join } from "node:path";
import { DeltaTable } from "../../lib/delta/mod.ts";
import { ROOT, withTempDir } from "../_helpers.ts";
import { everyTypeFrame } from "./_fixtures.ts";

const MOD = new URL("../../lib/delta/mod.ts", import.meta.url).href;
const FIXTURES = new URL("./_fixtures.ts", import.meta.url).href;

/** A writer process: appends `batches` batches of 2 rows with ids writer*10000 + 2*batch. */
const APPEND_WORKER = `
import { DeltaTable } from "${MOD}";
import { everyTypeFrame } from "${FIXTURES}";
const [path, writer, batches] = Deno.args;
const table = await DeltaTable.open(path);
for (let b = 0; b < Number(batches); b++) {
  await table.append(everyTypeFrame(Number(writer) * 10000 + 2 * b, 2), {
    txn: { appId: "writer-" + writer, version: b },
    maxCommitAttempts: 1000,
  });
}
`;

/** A writer that writes its parquet files, says READY, and waits to be killed before committing. */
const CRASH_WORKER = `
import { DeltaTable } from "${MOD}";
import { everyTypeFrame } from "${FIXTURES}";
const table = await DeltaTable.open(Deno.args[0]);
await table.append(everyTypeFrame(100, 3), {
  txn: { appId: "query-1", version: 1 },
  beforeCommit: async () => {
    console.log("READY");
    await new Promise(() => setInterval(() => {}, 1000));
  },
});
`;

function denoScript(dir: string, name: string, source: string, args: string[]): Deno.Command {
  const script = join(dir, name);
  Deno.writeTextFileSync(script, source);
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("two processes appending 100 batches each make 200 contiguous commits with every row once", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "table");
    await DeltaTable.create(path, everyTypeFrame().schema);
    const children = ["1", "2"].map((writer) =>
      denoScript(dir, `append_${writer}.ts`, APPEND_WORKER, [path, writer, "100"]).spawn()
    );
    const outputs = await Promise.all(children.map((c) => c.output()));
    for (const output of outputs) {
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    }
    const table = await DeltaTable.open(path);
    assert.equal(table.version, 200);
    const commits = [...Deno.readDirSync(join(path, "_delta_log"))]
      .filter((e) => /^\d{20}\.json$/.test(e.name)).map((e) => Number(e.name.slice(0, 20)))
      .sort((a, b) => a - b);
    assert.deepEqual(commits, Array.from({ length: 201 }, (_, v) => v));
    const ids = (await table.read()).getColumn("id").toArray()
      .map(Number).sort((a, b) => a - b);
    const expected = [1, 2].flatMap((w) => Array.from({ length: 200 }, (_, i) => w * 10000 + i));
    assert.deepEqual(ids, expected);
    assert.equal(await table.txnVersion("writer-1"), 99);
    assert.equal(await table.txnVersion("writer-2"), 99);
  });
});

Deno.test("a writer killed between writing parquet and committing leaves readers the committed rows only", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "table");
    const table = await DeltaTable.create(path, everyTypeFrame().schema);
    await table.append(everyTypeFrame(0, 3), { txn: { appId: "query-1", version: 0 } });
    const child = denoScript(dir, "crash.ts", CRASH_WORKER, [path]).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("READY")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    assert.match(seen, /READY/);
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
    await child.stderr.cancel();
    const onDisk = [...Deno.readDirSync(path)].filter((e) => e.name.endsWith(".parquet"));
    assert.equal(onDisk.length, 2, "the killed writer left its parquet file behind");
    const after = await DeltaTable.open(path);
    assert.equal(after.version, 1);
    assert.equal((await after.read()).height, 3);
    assert.equal(await after.txnVersion("query-1"), 0);
    const retry = await after.append(everyTypeFrame(100, 3), {
      txn: { appId: "query-1", version: 1 },
    });
    assert.deepEqual([retry.version, retry.skipped], [2, false]);
    const again = await after.append(everyTypeFrame(100, 3), {
      txn: { appId: "query-1", version: 1 },
    });
    assert.deepEqual([again.version, again.skipped], [2, true]);
    assert.equal((await after.read()).height, 6);
  });
});
