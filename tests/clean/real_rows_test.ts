import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  cleanGeo,
  cleanPin,
  cleanUser,
  PIN_PLACEHOLDERS,
  PIN_SCHEMA,
  rawFrame,
} from "../../lib/clean/mod.ts";
import { RECORD_SCHEMAS } from "../../lib/records.ts";
import { skipWithoutShared } from "../_helpers.ts";
import { describe, sharedRecords } from "./_clean.ts";

const ignore = skipWithoutShared("clean tests on the real rows");

type Row = Record<string, unknown>;

Deno.test({
  name: "cleanPin() on the real rows leaves no placeholder and keeps every row",
  ignore,
  async fn() {
    const records = (await sharedRecords("pin")) as Row[];
    for (const r of records) RECORD_SCHEMAS.pin.parse(r);
    const { df, nulled, invalid } = await cleanPin(rawFrame("pin", records));
    assert.equal(df.height, records.length);
    assert.deepEqual(describe(df.schema), describe(PIN_SCHEMA));
    const cleaned = df.toRecords();
    for (const [column, placeholders] of Object.entries(PIN_PLACEHOLDERS)) {
      const survivors = cleaned.filter((row) => {
        const v = row[column];
        return typeof v === "string" && (v.trim() === "" || placeholders.includes(v.trim()));
      });
      assert.equal(survivors.length, 0, `${column} keeps a placeholder`);
      const expected = records.filter((r) => {
        const v = r[column];
        return typeof v === "string" && (v.trim() === "" || placeholders.includes(v.trim()));
      }).length;
      assert.equal(nulled[column], expected, `nulled ${column}`);
    }
    // The counts the reference gives for the 2,248 real pin rows.
    assert.equal(nulled.title, 18);
    assert.equal(nulled.description, 189);
    assert.equal(nulled.poster_name, 17);
    assert.equal(nulled.follower_count, 17);
    assert.equal(nulled.tag_list, 31);
    assert.equal(nulled.image_src, 54);
    assert.deepEqual(invalid, { follower_count: 0, save_location: 0 });
    cleaned.forEach((row, i) => {
      const source = records[i]!;
      assert.equal(row.ind, source.index);
      if (source.follower_count !== "User Info Error") {
        assert.ok(Number.isInteger(row.follower_count), `follower_count of ${source.index}`);
        const text = String(source.follower_count);
        const scale = text.endsWith("k") ? 1e3 : text.endsWith("M") ? 1e6 : 1;
        assert.equal(row.follower_count, parseInt(text) * scale);
      }
      assert.match(String(row.save_location), /^\/data\//);
      assert.equal(row.save_location, `/data/${source.category}`);
    });
    assert.deepEqual(
      df.select(pl.col("title").filter(pl.col("title").str.startsWith("Untitled"))).getColumn(
        "title",
      ).toArray().sort(),
      ["Untitled", "Untitled: Photo"],
    );
  },
});

Deno.test({
  name: "cleanGeo() on the real rows keeps every row and reads each timestamp as UTC",
  ignore,
  async fn() {
    const records = (await sharedRecords("geo")) as Row[];
    const { df, nulled, invalid } = await cleanGeo(rawFrame("geo", records));
    assert.equal(df.height, records.length);
    assert.deepEqual(nulled, { country: 0, timestamp: 0 });
    assert.deepEqual(invalid, { coordinates: 0, timestamp: 0 });
    (df.toRecords() as Row[]).forEach((row, i) => {
      const source = records[i]!;
      const text = String(source.timestamp);
      assert.equal(row.ind, source.ind);
      assert.deepEqual(row.coordinates, [source.latitude, source.longitude]);
      assert.equal(row.country, source.country);
      assert.ok(row.timestamp instanceof Date, text);
      assert.equal(row.timestamp.getTime(), Date.parse(`${text.replace(" ", "T")}Z`), text);
      assert.equal(row.timestamp.toISOString().slice(0, 19).replace("T", " "), text);
    });
  },
});

Deno.test({
  name: "cleanUser() on the real rows keeps every row and joins every name",
  ignore,
  async fn() {
    const records = (await sharedRecords("user")) as Row[];
    const { df, nulled, invalid } = await cleanUser(rawFrame("user", records));
    assert.equal(df.height, records.length);
    assert.deepEqual(nulled, { user_name: 0, date_joined: 0 });
    assert.deepEqual(invalid, { date_joined: 0 });
    (df.toRecords() as Row[]).forEach((row, i) => {
      const source = records[i]!;
      assert.equal(row.ind, source.ind);
      assert.equal(row.user_name, `${source.first_name} ${source.last_name}`);
      assert.equal(row.age, source.age);
      const text = String(source.date_joined);
      assert.ok(row.date_joined instanceof Date, text);
      assert.equal(row.date_joined.getTime(), Date.parse(`${text.replace(" ", "T")}Z`), text);
    });
  },
});
