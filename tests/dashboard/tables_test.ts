import assert from "node:assert/strict";
import { Catalog } from "../../lib/catalog.ts";
import { TableReader } from "../../lib/dashboard/tables.ts";
import { withTempDir } from "../_helpers.ts";
import { appendSilver, USER_ID } from "./_fixtures.ts";

const PIN = `${USER_ID}_pin_table`;

Deno.test("TableReader follows a table from absent to new versions to dropped", async () => {
  await withTempDir(async (lakehouseDir) => {
    const catalog = new Catalog({ lakehouseDir });
    const reader = new TableReader(lakehouseDir);
    assert.deepEqual(await reader.count(PIN), { version: null, rows: 0 });
    assert.deepEqual(await reader.rows(PIN), { version: null, rows: [] });
    await appendSilver(catalog, "pin", 0, 2);
    assert.deepEqual(await reader.count(PIN), { version: 1, rows: 2 });
    assert.deepEqual(await reader.rows(PIN), {
      version: 1,
      rows: [{ ind: 0, note: "row 0" }, { ind: 1, note: "row 1" }],
    });
    await appendSilver(catalog, "pin", 2, 1);
    assert.deepEqual(await reader.count(PIN), { version: 2, rows: 3 });
    assert.deepEqual(await reader.newest(PIN, 1), [{ ind: 2, note: "row 2" }]);
    await catalog.drop(PIN);
    assert.deepEqual(await reader.count(PIN), { version: null, rows: 0 });
  });
});

Deno.test("TableReader answers concurrent requests for one table alike", async () => {
  await withTempDir(async (lakehouseDir) => {
    await appendSilver(new Catalog({ lakehouseDir }), "geo", 0, 4);
    const reader = new TableReader(lakehouseDir);
    const name = `${USER_ID}_geo_table`;
    const counts = await Promise.all([1, 2, 3, 4].map(() => reader.count(name)));
    assert.deepEqual(counts, [1, 2, 3, 4].map(() => ({ version: 1, rows: 4 })));
  });
});
