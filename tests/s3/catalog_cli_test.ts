/**
 * The catalog and `deno task sample` / `deno task table` with
 * `LAKEHOUSE_DIR=s3://...`.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { Catalog } from "../../lib/catalog.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";

const SAMPLE = new URL("../../cli/sample.ts", import.meta.url).pathname;
const TABLE = new URL("../../cli/table.ts", import.meta.url).pathname;

async function run(cli: string, args: string[], env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test({
  name: "a lakehouse in S3: the catalog lists, describes and drops, and the CLIs read it",
  ignore: skipWithoutMoto("a lakehouse in S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const lakehouseDir = s3.url("lakehouse");
      const catalog = new Catalog({ lakehouseDir });
      assert.equal(catalog.tablePath("pins"), `${lakehouseDir}/default/pins`);
      const table = await catalog.create("pins", { id: pl.Int64, title: pl.Utf8 });
      await catalog.create("boards", { id: pl.Int64 });
      for (let i = 0; i < 3; i++) {
        await table.append(
          pl.DataFrame({ id: [2 * i, 2 * i + 1], title: [`pin ${2 * i}`, `pin ${2 * i + 1}`] })
            .withColumns(pl.col("id").cast(pl.Int64)),
        );
      }
      assert.deepEqual(await catalog.list(), ["default.boards", "default.pins"]);
      assert.equal((await catalog.describe("pins")).rows, 6);

      const env = { ...s3.env, LAKEHOUSE_DIR: lakehouseDir };
      const sample = await run(SAMPLE, ["pins", "--limit", "3"], env);
      assert.equal(sample.code, 0, sample.stderr);
      assert.match(sample.stdout, /^pins at version 3: 6 rows in 3 files; newest 3 first\n/);
      assert.deepEqual([...sample.stdout.matchAll(/│ (\d) +┆ pin \d/g)].map((m) => Number(m[1])), [
        5,
        4,
        3,
      ]);
      const history = await run(TABLE, ["history", "pins"], env);
      assert.equal(history.code, 0, history.stderr);
      assert.match(history.stdout, /shape: \(4, 5\)/);
      const optimize = await run(TABLE, ["optimize", "pins"], env);
      assert.equal(optimize.code, 0, optimize.stderr);
      assert.match(optimize.stdout, /^pins: compacted 3 files into 1 \(6 rows\) at version 4$/m);

      assert.equal(await catalog.drop("boards"), true);
      assert.deepEqual(await catalog.list(), ["default.pins"]);
      assert.equal(await catalog.drop("boards"), false);
    });
  },
});
