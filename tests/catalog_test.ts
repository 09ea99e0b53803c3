import assert from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { Catalog, parseTableName } from "../lib/catalog.ts";
import { TableExistsError, TableNotFoundError } from "../lib/delta/mod.ts";
import { withTempDir } from "./_helpers.ts";

const SCHEMA = { id: pl.Int64, category: pl.Utf8 };

Deno.test("parseTableName() defaults the database and refuses names outside [A-Za-z0-9_]+", () => {
  assert.deepEqual(parseTableName("12c0d092d679_pin_table"), {
    database: "default",
    table: "12c0d092d679_pin_table",
    qualified: "default.12c0d092d679_pin_table",
  });
  assert.equal(parseTableName("default.pins").table, "pins");
  for (const bad of ["../etc", "a/b", "", "default.", "a.b.c", "pins table", "default..x", "x-y"]) {
    assert.throws(() => parseTableName(bad), TypeError, bad);
  }
});

Deno.test("a catalog maps default.<name> to <lakehouseDir>/default/<name> and lists its tables", async () => {
  await withTempDir(async (lakehouseDir) => {
    const catalog = new Catalog({ lakehouseDir });
    assert.deepEqual(await catalog.list(), []);
    const table = await catalog.create("default.pins", SCHEMA);
    assert.equal(table.path, join(lakehouseDir, "default", "pins"));
    await catalog.create("geo", SCHEMA);
    await Deno.mkdir(join(lakehouseDir, "default", "not_a_table"));
    assert.deepEqual(await catalog.list(), ["default.geo", "default.pins"]);
    await assert.rejects(() => catalog.create("pins", SCHEMA), TableExistsError);
    assert.equal((await catalog.createIfNotExists("pins", SCHEMA)).version, 0);
    await assert.rejects(
      () => catalog.open("default.missing"),
      (error: unknown) =>
        error instanceof TableNotFoundError && /default\.missing/.test(error.message),
    );
  });
});

Deno.test("the lakehouse directory falls back to LAKEHOUSE_DIR", async () => {
  await withTempDir((dir) => {
    const before = Deno.env.get("LAKEHOUSE_DIR");
    Deno.env.set("LAKEHOUSE_DIR", dir);
    try {
      assert.equal(new Catalog().tablePath("x"), join(dir, "default", "x"));
    } finally {
      if (before === undefined) Deno.env.delete("LAKEHOUSE_DIR");
      else Deno.env.set("LAKEHOUSE_DIR", before);
    }
  });
});

Deno.test("describe() reports schema, version, files, rows and size, and renders as HTML", async () => {
  await withTempDir(async (lakehouseDir) => {
    const catalog = new Catalog({ lakehouseDir });
    const table = await catalog.create("pins", SCHEMA, { partitionColumns: ["category"] });
    await table.append(
      pl.DataFrame({ id: [1, 2, 3], category: ["art", "art", "travel"] })
        .withColumns(pl.col("id").cast(pl.Int64)),
    );
    const description = await catalog.describe("default.pins");
    assert.equal(description.name, "default.pins");
    assert.equal(description.version, 1);
    assert.equal(description.files, 2);
    assert.equal(description.rows, 3);
    assert.ok(description.sizeInBytes > 0);
    assert.deepEqual(description.columns, [
      { name: "id", type: "long", nullable: true, partition: false },
      { name: "category", type: "string", nullable: true, partition: true },
    ]);
    const display = description[Symbol.for("Jupyter.display") as never] as () => {
      "text/html": string;
    };
    assert.match(display.call(description)["text/html"], /<table>.*default\.pins/);
    assert.match(String(description), /rows: +3/);
  });
});

Deno.test("drop() deletes a table, reports a missing one, and leaves a non-table directory alone", async () => {
  await withTempDir(async (lakehouseDir) => {
    const catalog = new Catalog({ lakehouseDir });
    await catalog.create("pins", SCHEMA);
    assert.equal(await catalog.drop("default.pins"), true);
    assert.equal(await catalog.exists("pins"), false);
    assert.equal(await catalog.drop("pins"), false);
    await Deno.mkdir(join(lakehouseDir, "default", "keep"), { recursive: true });
    await assert.rejects(() => catalog.drop("keep"), /not a Delta table/);
    assert.ok(await Deno.stat(join(lakehouseDir, "default", "keep")));
  });
});
