/**
 * Two processes appending to one table in a bucket: conditional PUTs make
 * every commit land once, at contiguous versions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DeltaTable, openStorage } from "../../lib/delta/mod.ts";
import { ROOT, withTempDir } from "../_helpers.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";
import { everyTypeFrame } from "../delta/_fixtures.ts";

const MOD = new URL("../../lib/delta/mod.ts", import.meta.url).href;
const FIXTURES = new URL("../delta/_fixtures.ts", import.meta.url).href;

/** A writer process: appends `batches` batches of 2 rows; prints how many versions it skipped. */
const APPEND_WORKER = `
import { DeltaTable } from "${MOD}";
import { everyTypeFrame } from "${FIXTURES}";
const [path, writer, batches] = Deno.args;
const table = await DeltaTable.open(path);
let lost = 0;
for (let b = 0; b < Number(batches); b++) {
  const before = table.version;
  const result = await table.append(everyTypeFrame(Number(writer) * 10000 + 2 * b, 2), {
    txn: { appId: "writer-" + writer, version: b },
    maxCommitAttempts: 1000,
  });
  lost += result.version - before - 1;
}
console.log(JSON.stringify({ lost }));
`;

Deno.test({
  name: "two processes appending 100 batches each to one S3 table make 200 contiguous commits",
  ignore: skipWithoutMoto("concurrent S3 writers"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      await withTempDir(async (dir) => {
        const path = s3.url("lake/default/shared");
        await DeltaTable.create(path, everyTypeFrame().schema);
        const script = join(dir, "append.ts");
        Deno.writeTextFileSync(script, APPEND_WORKER);
        const children = ["1", "2"].map((writer) =>
          new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              "--quiet",
              "--config",
              join(ROOT, "deno.json"),
              script,
              path,
              writer,
              "100",
            ],
            cwd: ROOT,
            env: s3.env,
            stdout: "piped",
            stderr: "piped",
          }).spawn()
        );
        const outputs = await Promise.all(children.map((c) => c.output()));
        for (const output of outputs) {
          assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
        }
        const lost = outputs.map((o) => JSON.parse(new TextDecoder().decode(o.stdout)).lost);
        const table = await DeltaTable.open(path);
        assert.equal(table.version, 200);
        // A writer that lost races went on at later versions rather than failing.
        for (const n of lost) assert.ok(Number.isInteger(n) && n >= 0 && n <= 100);
        const commits = (await openStorage(path).list("_delta_log/"))
          .map((f) => /^_delta_log\/(\d{20})\.json$/.exec(f.path)?.[1])
          .filter((v): v is string => v !== undefined).map(Number);
        assert.deepEqual(commits, Array.from({ length: 201 }, (_, v) => v));
        const ids = (await table.read()).getColumn("id").toArray()
          .map(Number).sort((a, b) => a - b);
        const expected = [1, 2].flatMap((w) =>
          Array.from({ length: 200 }, (_, i) => w * 10000 + i)
        );
        assert.deepEqual(ids, expected);
        assert.equal(await table.txnVersion("writer-1"), 99);
        assert.equal(await table.txnVersion("writer-2"), 99);
      });
    });
  },
});
