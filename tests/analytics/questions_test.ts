import assert from "node:assert/strict";
import {
  categoryByAgeGroup,
  categoryByCountry,
  categoryByYear,
  computeGold,
  GOLD_QUESTIONS,
  GOLD_TABLES,
  joinPosts,
  medianFollowersByAgeGroup,
  medianFollowersByAgeGroupAndJoinYear,
  medianFollowersByJoinYear,
  topCountry,
  topPosterByCountry,
  usersJoinedByYear,
} from "../../lib/analytics/mod.ts";
import { expectedGold, expectedPosts, silverFrames, type SilverRows } from "./_gold.ts";

type Post = [
  ind: number,
  category: string | null,
  poster: string | null,
  followers: number | null,
  country: string | null,
  timestamp: string | null,
  user: string | null,
  age: number | null,
  joined: string | null,
];

// One row per post; the comments say which rule each row exercises.
const POSTS: Post[] = [
  // Chad: art, diy and travel 2 posts each (a three-way tie); P3 and P4 tie on 300 followers
  [1, "art", "P1", 100, "Chad", "2018-01-01T00:00:00Z", "Ann Lee", 17, "2015-01-01T00:00:00Z"],
  [2, "art", "P2", 200, "Chad", "2019-05-05T12:00:00Z", "Bo Li", 18, "2015-06-01T00:00:00Z"],
  [3, "diy", "P3", 300, "Chad", "2019-07-07T00:00:00Z", "Cy Ng", 24, "2016-01-01T00:00:00Z"],
  [4, "diy", "P4", 300, "Chad", "2022-12-31T23:59:59Z", "Di Ho", 25, "2016-03-03T00:00:00Z"],
  // posted 2017 and joined 2014: outside both year ranges
  [5, "travel", "P5", 50, "Chad", "2017-12-31T23:59:59Z", "Ed Wu", 35, "2014-12-31T23:59:59Z"],
  // posted 2023: outside; the same poster and user twice, at the largest count
  [6, "art", "P6", 1000, "Peru", "2023-01-01T00:00:00Z", "Fay Oh", 36, "2020-12-31T23:59:59Z"],
  [7, "travel", "P6", 1000, "Peru", "2020-02-02T00:00:00Z", "Fay Oh", 36, "2020-12-31T23:59:59Z"],
  // no follower count; joined 2021: outside
  [8, "travel", "P8", null, "Peru", "2020-03-03T00:00:00Z", "Gus Ma", 50, "2021-01-01T00:00:00Z"],
  // null category, poster and country
  [9, null, null, 400, null, "2020-04-04T00:00:00Z", "Hal Yu", 51, "2017-01-01T00:00:00Z"],
  // Mali ties Peru for the largest count
  [10, "quotes", "P10", 1000, "Mali", "2021-01-01T00:00:00Z", "Ivy Xu", 60, "2017-02-02T00:00:00Z"],
  // the same user as ind 1 (name and date joined): one user
  [11, "quotes", "P11", 10, "Mali", "2021-06-06T00:00:00Z", "Ann Lee", 52, "2015-01-01T00:00:00Z"],
  // the same name as ind 1 but another date joined: another user
  [12, "beauty", "P12", 20, "Mali", "2018-08-08T00:00:00Z", "Ann Lee", 19, "2015-02-02T00:00:00Z"],
  // null country; a user with nothing known
  [13, "beauty", "P13", 30, null, "2018-09-09T00:00:00Z", null, null, null],
  [14, "travel", "P14", 40, "Chad", null, "Jo Ek", 30, "2016-04-04T00:00:00Z"],
  // 18-24 now has four counts: 20, 25, 200, 300
  [
    15,
    "home-decor",
    "P15",
    25,
    "Togo",
    "2019-01-01T00:00:00Z",
    "Kim Bo",
    20,
    "2016-05-05T00:00:00Z",
  ],
];

function silverRows(): SilverRows {
  const rows: SilverRows = {
    pin: POSTS.map(([ind, category, poster_name, follower_count]) => ({
      ind,
      category,
      poster_name,
      follower_count,
    })),
    geo: POSTS.map(([ind, , , , country, timestamp]) => ({ ind, country, timestamp })),
    user: POSTS.map(([ind, , , , , , user_name, age, date_joined]) => ({
      ind,
      user_name,
      age,
      date_joined,
    })),
  };
  // Later rows of an ind already seen (the emitter sampled it again): ignored.
  rows.pin.push({ ind: 3, category: "travel", poster_name: "P3", follower_count: 9999 });
  rows.geo.push({ ind: 2, country: "Peru", timestamp: "2020-01-01T00:00:00Z" });
  rows.user.push({ ind: 4, user_name: "Di Ho", age: 60, date_joined: "2019-01-01T00:00:00Z" });
  // An ind in one table only, and rows without an ind: never joined.
  rows.pin.push({ ind: 20, category: "art", poster_name: "P20", follower_count: 5000 });
  rows.geo.push({ ind: 21, country: "Chad", timestamp: "2019-01-01T00:00:00Z" });
  rows.user.push({ ind: 22, user_name: "Lu Po", age: 40, date_joined: "2016-01-01T00:00:00Z" });
  rows.pin.push({ ind: null, category: "art", poster_name: "P0", follower_count: 7000 });
  rows.geo.push({ ind: null, country: "Chad", timestamp: "2019-01-01T00:00:00Z" });
  rows.user.push({ ind: null, user_name: "No Ind", age: 40, date_joined: "2016-01-01T00:00:00Z" });
  return rows;
}

const ROWS = silverRows();
const SILVER = silverFrames(ROWS);
const EXPECTED = expectedGold(ROWS);
const POSTS_FRAME = joinPosts(SILVER).collectSync();

Deno.test("joinPosts() keeps the first row of each ind and only inds in all three tables", () => {
  const got = POSTS_FRAME.sort("ind").select("ind", "category", "country", "age").toRecords();
  const want = expectedPosts(ROWS).sort((a, b) => a.ind! - b.ind!).map((p) => ({
    ind: p.ind,
    category: p.category,
    country: p.country,
    age: p.age,
  }));
  assert.deepEqual(got, want);
  assert.deepEqual(want.map((p) => p.ind), POSTS.map(([ind]) => ind));
});

const FUNCTIONS = {
  category_by_country: categoryByCountry,
  category_by_year: categoryByYear,
  top_poster_by_country: topPosterByCountry,
  top_country: topCountry,
  category_by_age_group: categoryByAgeGroup,
  median_followers_by_age_group: medianFollowersByAgeGroup,
  users_joined_by_year: usersJoinedByYear,
  median_followers_by_join_year: medianFollowersByJoinYear,
  median_followers_by_age_group_and_join_year: medianFollowersByAgeGroupAndJoinYear,
};

for (const spec of GOLD_TABLES) {
  Deno.test(`${spec.name}: exactly the course's columns and the rows worked out from the data`, () => {
    const df = FUNCTIONS[spec.name](POSTS_FRAME);
    assert.equal(GOLD_QUESTIONS[spec.name], FUNCTIONS[spec.name]);
    assert.deepEqual(df.columns, [...spec.columns]);
    assert.deepEqual(
      Object.entries(df.schema).map(([c, t]) => [c, String(t)]),
      Object.entries(spec.schema).map(([c, t]) => [c, String(t)]),
    );
    assert.deepEqual(df.toRecords(), EXPECTED[spec.name]);
  });
}

Deno.test("computeGold() answers all nine from the silver frames, as the functions do", () => {
  const gold = computeGold(SILVER);
  assert.deepEqual(Object.keys(gold), GOLD_TABLES.map((t) => t.name));
  for (const { name } of GOLD_TABLES) assert.deepEqual(gold[name].toRecords(), EXPECTED[name]);
});

Deno.test("the decisions show in the answers: ties kept, exact even medians, age boundaries", () => {
  const gold = computeGold(SILVER);
  const chad = gold.category_by_country.toRecords().filter((r) => r.country === "Chad");
  assert.deepEqual(chad.map((r) => [r.category, r.category_count]), [
    ["art", 2],
    ["diy", 2],
    ["travel", 2],
  ]);
  assert.deepEqual(
    gold.top_poster_by_country.toRecords().filter((r) => r.country !== "Mali"),
    [
      { country: "Chad", poster_name: "P3", follower_count: 300 },
      { country: "Chad", poster_name: "P4", follower_count: 300 },
      { country: "Peru", poster_name: "P6", follower_count: 1000 },
      { country: "Togo", poster_name: "P15", follower_count: 25 },
    ],
  );
  assert.deepEqual(gold.top_country.toRecords(), [
    { country: "Mali", follower_count: 1000 },
    { country: "Peru", follower_count: 1000 },
  ]);
  // 18-24 holds ages 18, 19, 20 and 24 (counts 200, 20, 25, 300); 17 is in no group
  const median1824 = gold.median_followers_by_age_group.toRecords().filter((r) =>
    r.age_group === "18-24"
  );
  assert.equal(median1824[0]!.median_follower_count, (25 + 200) / 2);
  assert.deepEqual(gold.median_followers_by_age_group.toRecords().map((r) => r.age_group), [
    "18-24",
    "25-35",
    "36-50",
    "+50",
  ]);
  // 2015: Ann Lee (2015-01-01, two posts), Bo Li, Ann Lee (2015-02-02)
  assert.deepEqual(gold.users_joined_by_year.toRecords(), [
    { post_year: 2015, number_users_joined: 3 },
    { post_year: 2016, number_users_joined: 4 },
    { post_year: 2017, number_users_joined: 2 },
    { post_year: 2020, number_users_joined: 1 },
  ]);
  // posted 2017-12-31 and 2023-01-01 fall outside 2018-2022
  const years = gold.category_by_year.getColumn("post_year").toArray();
  assert.deepEqual([...new Set(years)], [2018, 2019, 2020, 2021, 2022]);
});

Deno.test("computeGold() on empty silver frames gives nine empty tables with the right columns", () => {
  const gold = computeGold(silverFrames({ pin: [], geo: [], user: [] }));
  for (const { name, columns } of GOLD_TABLES) {
    assert.deepEqual(gold[name].columns, [...columns]);
    assert.equal(gold[name].height, 0);
  }
});
