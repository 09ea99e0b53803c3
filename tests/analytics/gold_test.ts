import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { Catalog } from "../../lib/catalog.ts";
import { TableExistsError, TableNotFoundError } from "../../lib/delta/mod.ts";
import {
  computeGold,
  GOLD_NAMES,
  GOLD_TABLES,
  goldTable,
  goldTableName,
  readSilverTables,
  writeGoldTables,
} from "../../lib/analytics/mod.ts";
import { withTempDir } from "../_helpers.ts";
import { silverFrames } from "./_gold.ts";

const SILVER = silverFrames({
  pin: [{ ind: 1, category: "art", poster_name: "Pots", follower_count: 10 }],
  geo: [{ ind: 1, country: "Chad", timestamp: "2019-01-01T00:00:00Z" }],
  user: [{ ind: 1, user_name: "Ann Lee", age: 30, date_joined: "2016-01-01T00:00:00Z" }],
});

Deno.test("GOLD_TABLES lists the nine names of DESIGN.md with the course's columns", () => {
  assert.deepEqual(GOLD_TABLES.map((t) => t.name), [...GOLD_NAMES]);
  assert.deepEqual(
    Object.fromEntries(GOLD_TABLES.map((t) => [t.name, t.columns.join(", ")])),
    {
      category_by_country: "country, category, category_count",
      category_by_year: "post_year, category, category_count",
      top_poster_by_country: "country, poster_name, follower_count",
      top_country: "country, follower_count",
      category_by_age_group: "age_group, category, category_count",
      median_followers_by_age_group: "age_group, median_follower_count",
      users_joined_by_year: "post_year, number_users_joined",
      median_followers_by_join_year: "post_year, median_follower_count",
      median_followers_by_age_group_and_join_year: "age_group, post_year, median_follower_count",
    },
  );
  for (const t of GOLD_TABLES) assert.deepEqual(Object.keys(t.schema), [...t.columns]);
});

Deno.test("goldTableName() is <USER_ID>_<name> and refuses other user ids and names", () => {
  assert.equal(goldTableName("12c0d092d679", "top_country"), "12c0d092d679_top_country");
  assert.throws(() => goldTableName("a.b", "top_country"), TypeError);
  assert.throws(() => goldTable("nope" as "top_country"), /Unknown gold table "nope"/);
});

Deno.test("writeGoldTables() refuses a table of the same name with other columns before overwriting any", async () => {
  await withTempDir(async (dir) => {
    const catalog = new Catalog({ lakehouseDir: dir });
    const other = await catalog.create("u1_top_country", { country: pl.String });
    await assert.rejects(
      writeGoldTables(catalog, "u1", { gold: computeGold(SILVER) }),
      TableExistsError,
    );
    assert.equal((await catalog.open("u1_top_country")).version, other.version);
    const first = await catalog.open("u1_category_by_country");
    assert.equal(first.version, 0, "no answer was written before the refusal");
  });
});

Deno.test("writeGoldTables() refuses a bad user id before reading anything", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      writeGoldTables(new Catalog({ lakehouseDir: dir }), "u-1"),
      /Cannot name a gold table for user id "u-1"/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("readSilverTables() names the one silver table that is missing", async () => {
  await withTempDir(async (dir) => {
    const catalog = new Catalog({ lakehouseDir: dir });
    await catalog.create("u1_geo_table", SILVER.geo.schema);
    await catalog.create("u1_user_table", SILVER.user.schema);
    await assert.rejects(
      readSilverTables(catalog, "u1"),
      (e: unknown) => {
        assert.ok(e instanceof TableNotFoundError);
        assert.match(
          e.message,
          /^Cannot read the silver table default\.u1_pin_table: it does not exist in /,
        );
        return true;
      },
    );
  });
});
