/**
 * The nine gold tables: their names, the course's question each answers,
 * and their columns (exactly the course's output columns, with the Delta
 * types they are written with).
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Schema } from "../clean/mod.ts";

/** The names of the gold tables, in the course's order (Q1 to Q8). */
export const GOLD_NAMES = [
  "category_by_country",
  "category_by_year",
  "top_poster_by_country",
  "top_country",
  "category_by_age_group",
  "median_followers_by_age_group",
  "users_joined_by_year",
  "median_followers_by_join_year",
  "median_followers_by_age_group_and_join_year",
] as const;

/** The name of a gold table (without the `<USER_ID>_` prefix). */
export type GoldName = typeof GOLD_NAMES[number];

/** What a gold table holds. */
export interface GoldTableSpec {
  /** The table's name without the `<USER_ID>_` prefix. */
  name: GoldName;
  /** The course's question (milestone 7), as the course words it. */
  question: string;
  /** The course's output columns, in order. */
  columns: readonly string[];
  /** Column types: category counts Int64, years Int32, medians Float64. */
  schema: Schema;
  /** The columns the rows are ordered by (`age_group` in its natural order). */
  orderBy: readonly string[];
}

const COLUMN_TYPES: Schema = {
  country: pl.String,
  category: pl.String,
  category_count: pl.Int64,
  post_year: pl.Int32,
  poster_name: pl.String,
  follower_count: pl.Int32,
  age_group: pl.String,
  median_follower_count: pl.Float64,
  number_users_joined: pl.Int64,
};

function spec(
  name: GoldName,
  question: string,
  columns: string[],
  orderBy: string[],
): GoldTableSpec {
  const schema: Schema = Object.fromEntries(columns.map((c) => [c, COLUMN_TYPES[c]!]));
  return { name, question, columns, schema, orderBy };
}

/**
 * The nine gold tables, in the course's order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GOLD_TABLES } from "./tables.ts";
 * assert.deepEqual(GOLD_TABLES[0]!.columns, ["country", "category", "category_count"]);
 * ```
 */
export const GOLD_TABLES: readonly GoldTableSpec[] = [
  spec(
    "category_by_country",
    "Find the most popular Pinterest category people post to based on their country.",
    ["country", "category", "category_count"],
    ["country", "category"],
  ),
  spec(
    "category_by_year",
    "Find which was the most popular category each year: how many posts each category " +
      "had between 2018 and 2022.",
    ["post_year", "category", "category_count"],
    ["post_year", "category"],
  ),
  spec(
    "top_poster_by_country",
    "For each country find the user with the most followers.",
    ["country", "poster_name", "follower_count"],
    ["country", "poster_name"],
  ),
  spec(
    "top_country",
    "Based on the above, find the country with the user with most followers.",
    ["country", "follower_count"],
    ["country"],
  ),
  spec(
    "category_by_age_group",
    "Most popular category people post to, by age group 18-24, 25-35, 36-50, +50.",
    ["age_group", "category", "category_count"],
    ["age_group", "category"],
  ),
  spec(
    "median_followers_by_age_group",
    "Median follower count for users in age groups 18-24, 25-35, 36-50, +50.",
    ["age_group", "median_follower_count"],
    ["age_group"],
  ),
  spec(
    "users_joined_by_year",
    "Find how many users have joined between 2015 and 2020.",
    ["post_year", "number_users_joined"],
    ["post_year"],
  ),
  spec(
    "median_followers_by_join_year",
    "Median follower count of users who have joined between 2015 and 2020.",
    ["post_year", "median_follower_count"],
    ["post_year"],
  ),
  spec(
    "median_followers_by_age_group_and_join_year",
    "Median follower count of users who joined between 2015 and 2020, by age group.",
    ["age_group", "post_year", "median_follower_count"],
    ["age_group", "post_year"],
  ),
];

/** The spec of gold table `name`. */
export function goldTable(name: GoldName): GoldTableSpec {
  const found = GOLD_TABLES.find((t) => t.name === name);
  if (!found) {
    throw new TypeError(
      `Unknown gold table "${String(name)}": expected one of ${GOLD_NAMES.join(", ")}`,
    );
  }
  return found;
}

const USER_ID_RE = /^[A-Za-z0-9_]+$/;

/**
 * The catalog name of gold table `name` for `userId`: `<userId>_<name>`
 * (in database `default`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { goldTableName } from "./tables.ts";
 * assert.equal(goldTableName("12c0d092d679", "top_country"), "12c0d092d679_top_country");
 * ```
 */
export function goldTableName(userId: string, name: GoldName): string {
  if (typeof userId !== "string" || !USER_ID_RE.test(userId)) {
    throw new TypeError(
      `Cannot name a gold table for user id "${userId}": it must match [A-Za-z0-9_]+`,
    );
  }
  return `${userId}_${goldTable(name).name}`;
}
