import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { cleanUser, rawFrame, USER_SCHEMA } from "../../lib/clean/mod.ts";
import { describe, values } from "./_clean.ts";

Deno.test("cleanUser() returns exactly the user table's columns, types and order", async () => {
  const { df } = await cleanUser(rawFrame("user", [{ ind: 1 }]));
  const expected = [
    ["ind", "Int64"],
    ["user_name", "String"],
    ["age", "Int64"],
    ["date_joined", "Datetime(us,UTC"],
  ];
  assert.deepEqual(describe(df.schema), expected);
  assert.deepEqual(describe(USER_SCHEMA), expected);
});

Deno.test("cleanUser() joins the names, drops them and reads date_joined as UTC", async () => {
  const record = {
    ind: 7528,
    first_name: "Abigail",
    last_name: "Ali",
    age: 20,
    date_joined: "2015-10-24 11:23:51",
  };
  const result = await cleanUser(rawFrame("user", [record]));
  assert.deepEqual(result.df.toRecords(), [{
    ind: 7528,
    user_name: "Abigail Ali",
    age: 20,
    date_joined: new Date("2015-10-24T11:23:51Z"),
  }]);
  assert.deepEqual(result.nulled, { user_name: 0, date_joined: 0 });
  assert.deepEqual(result.invalid, { date_joined: 0 });
});

const nameCases: [string | null, string | null, string | null, number][] = [
  ["Abigail", "Ali", "Abigail Ali", 0],
  ["Adam", null, "Adam", 0],
  [null, "Acosta", "Acosta", 0],
  ["Adam", "", "Adam", 0],
  [" Adam ", "\u00a0Acosta\u00a0", "Adam Acosta", 0],
  ["Zoë", "Núñez-Łukasz", "Zoë Núñez-Łukasz", 0],
  ["Mary Ann", "Smith", "Mary Ann Smith", 0],
  [null, null, null, 0],
  ["", " ", null, 1],
];

for (const [first, last, expected, nulled] of nameCases) {
  Deno.test(
    `cleanUser() makes user_name ${JSON.stringify(expected)} of ${JSON.stringify(first)} and ${
      JSON.stringify(last)
    }`,
    async () => {
      const frame = pl.DataFrame([
        pl.Series("ind", [1], pl.Int64),
        pl.Series("first_name", [first], pl.String),
        pl.Series("last_name", [last], pl.String),
      ]);
      const result = await cleanUser(frame);
      assert.deepEqual(values(result, "user_name"), [expected]);
      assert.equal(result.nulled.user_name, nulled);
    },
  );
}

const dateCases: [string | null, Date | null, "value" | "nulled" | "invalid"][] = [
  ["2015-10-21 21:26:45", new Date("2015-10-21T21:26:45Z"), "value"],
  ["2015-10-21T21:26:45", new Date("2015-10-21T21:26:45Z"), "value"],
  ["2015-10-21T21:26:45.250Z", new Date("2015-10-21T21:26:45.250Z"), "value"],
  ["", null, "nulled"],
  ["21/10/2015", null, "invalid"],
  [null, null, "value"],
];

for (const [text, expected, outcome] of dateCases) {
  Deno.test(`cleanUser() reads date_joined ${JSON.stringify(text)} (${outcome})`, async () => {
    const frame = pl.DataFrame([
      pl.Series("ind", [1], pl.Int64),
      pl.Series("date_joined", [text], pl.String),
    ]);
    const result = await cleanUser(frame);
    assert.deepEqual(values(result, "date_joined"), [expected]);
    assert.equal(result.nulled.date_joined, outcome === "nulled" ? 1 : 0);
    assert.equal(result.invalid.date_joined, outcome === "invalid" ? 1 : 0);
  });
}

Deno.test("cleanUser() reads missing and all-null source columns as nulls", async () => {
  for (
    const frame of [
      pl.DataFrame({ ind: [1] }),
      pl.DataFrame({ ind: [1], first_name: [null], age: [null], date_joined: [null] }),
    ]
  ) {
    const { df } = await cleanUser(frame);
    assert.deepEqual(describe(df.schema), describe(USER_SCHEMA));
    assert.deepEqual(df.toRecords(), [{ ind: 1, user_name: null, age: null, date_joined: null }]);
  }
});

Deno.test("cleanUser() gives an empty frame with the user schema for empty input", async () => {
  for (const frame of [pl.DataFrame(), rawFrame("user", []), pl.DataFrame({ ind: [] })]) {
    const { df } = await cleanUser(frame);
    assert.equal(df.height, 0);
    assert.deepEqual(describe(df.schema), describe(USER_SCHEMA));
  }
});
