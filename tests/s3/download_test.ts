/**
 * A bucket's table, downloaded to a local directory, is a plain Delta
 * table: the local reader and DuckDB (on the parquet files) see what was
 * written.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { DeltaTable, openStorage } from "../../lib/delta/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";

function pins(from: number, n: number): pl.DataFrame {
  const id = Array.from({ length: n }, (_, i) => from + i);
  return pl.DataFrame({
    id,
    title: id.map((i) => `pin ${i}`),
    category: id.map((i) => (i % 2 === 0 ? "art" : "diy")),
  }).withColumns(pl.col("id").cast(pl.Int64));
}

Deno.test({
  name: "a table written to S3 and downloaded reads the same locally and in DuckDB",
  ignore: skipWithoutMoto("downloaded S3 tables"),
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      await withTempDir(async (dir) => {
        const location = s3.url("lake/default/pins");
        const table = await DeltaTable.create(location, pins(0, 1).schema, {
          partitionColumns: ["category"],
          configuration: { "delta.checkpointInterval": "3" },
        });
        for (let b = 0; b < 4; b++) await table.append(pins(b * 5, 5));
        const storage = openStorage(location);
        for (const file of await storage.list("")) {
          const target = join(dir, ...file.path.split("/"));
          await Deno.mkdir(dirname(target), { recursive: true });
          await Deno.writeFile(target, (await storage.read(file.path))!);
        }
        const expected = pins(0, 20).sort("id");
        const local = await DeltaTable.open(dir);
        assert.equal(local.version, 4);
        assert.equal(local.snapshot.source.checkpoint, 3);
        const read = (await local.read()).sort("id").select("id", "title", "category");
        assert.deepEqual(read.toRecords(), expected.toRecords());
        const instance = await DuckDBInstance.create(":memory:");
        const con = await instance.connect();
        try {
          const parts: string[] = [];
          for (const add of local.snapshot.files) {
            const path = join(dir, decodeURIComponent(add.path)).replaceAll("'", "''");
            parts.push(
              `SELECT id, title, '${add.partitionValues.category}' AS category ` +
                `FROM read_parquet('${path}')`,
            );
          }
          const rows = (await con.runAndReadAll(`${parts.join(" UNION ALL ")} ORDER BY id`))
            .getRowObjectsJson()
            .map((r) => ({ id: Number(r.id), title: r.title, category: r.category }));
          assert.deepEqual(rows, expected.toRecords());
        } finally {
          con.closeSync();
          instance.closeSync();
        }
      });
    });
  },
});
