/**
 * The course's nine analytics answers (milestone 7, tasks 4 to 11), one
 * function each, as Polars expressions over the posts of
 * {@linkcode joinPosts} (one row per `ind` present in all three silver
 * tables). Each returns exactly the course's output columns, typed as
 * {@linkcode GOLD_TABLES} says, ordered by the group columns then the
 * category (age groups in their natural order, `18-24` first).
 *
 * Decisions on the course's ambiguities:
 * - "Most popular" is rank 1 by number of posts within the group, ties
 *   kept (Spark's `rank() = 1`).
 * - Rows with a null group or category (or poster, or follower count where
 *   the answer is about followers) are left out before anything is counted.
 * - Medians are exact: the middle value, or the mean of the two middle
 *   values, over the posts' non-null follower counts; a group without any
 *   follower count is left out.
 * - In the last three answers `post_year` is the year (UTC) of
 *   `date_joined`, 2015 to 2020; `category_by_year` uses the year (UTC) of
 *   the geo `timestamp`, 2018 to 2022.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AnyFrame } from "../clean/mod.ts";
import { ageGroup, ageGroupOrder } from "./posts.ts";
import { type GoldName, goldTable } from "./tables.ts";

/** Years of `category_by_year` (year of the geo `timestamp`). */
export const POST_YEARS = { from: 2018, to: 2022 } as const;
/** Years of the joining answers (year of `date_joined`). */
export const JOIN_YEARS = { from: 2015, to: 2020 } as const;

function lazy(frame: AnyFrame): pl.LazyDataFrame {
  return "collectSync" in frame ? frame : frame.lazy();
}

function allPresent(columns: readonly string[]): pl.Expr {
  return columns.map((c) => pl.col(c).isNotNull()).reduce((a, b) => a.and(b));
}

/** The rows of gold table `name`: its columns, cast to its types, in its order. */
function finish(name: GoldName, rows: pl.LazyDataFrame): pl.DataFrame {
  const { schema, orderBy } = goldTable(name);
  const keys = orderBy.map((c) => c === "age_group" ? ageGroupOrder(pl.col(c)) : pl.col(c));
  return rows
    .select(...Object.entries(schema).map(([c, type]) => pl.col(c).cast(type)))
    .sort(keys)
    .collectSync();
}

/** Categories with the most posts within each group (rank 1, ties kept). */
function mostPopularCategory(rows: pl.LazyDataFrame, group: string): pl.LazyDataFrame {
  const count = pl.col("category_count");
  return rows
    .filter(allPresent([group, "category"]))
    .groupBy([group, "category"])
    .agg(pl.len().cast(pl.Int64).alias("category_count"))
    .filter(count.eq(count.max().over(group)));
}

/** Exact median of the non-null follower counts within each group. */
function medianFollowers(rows: pl.LazyDataFrame, groups: string[]): pl.LazyDataFrame {
  return rows
    .filter(allPresent([...groups, "follower_count"]))
    .groupBy(groups)
    .agg(pl.col("follower_count").cast(pl.Float64).median().alias("median_follower_count"));
}

function inYears(year: pl.Expr, years: { from: number; to: number }): pl.Expr {
  return year.gtEq(years.from).and(year.ltEq(years.to));
}

/** Posts with `post_year` = year of `date_joined`, joined 2015 to 2020. */
function joinedPosts(posts: AnyFrame): pl.LazyDataFrame {
  return lazy(posts)
    .withColumns(pl.col("date_joined").dt.year().alias("post_year"))
    .filter(inYears(pl.col("post_year"), JOIN_YEARS));
}

/**
 * Q1 (task 4): "Find the most popular Pinterest category people post to
 * based on their country."
 *
 * Columns `country, category, category_count`: per country, the categories
 * with the most posts (ties kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { categoryByCountry } from "./questions.ts";
 * const posts = pl.DataFrame({ country: ["Chad", "Chad", "Chad"], category: ["art", "art", "diy"] });
 * assert.deepEqual(categoryByCountry(posts).toRecords(), [
 *   { country: "Chad", category: "art", category_count: 2 },
 * ]);
 * ```
 */
export function categoryByCountry(posts: AnyFrame): pl.DataFrame {
  return finish("category_by_country", mostPopularCategory(lazy(posts), "country"));
}

/**
 * Q2 (task 5): "Find which was the most popular category each year": how
 * many posts each category had between 2018 and 2022.
 *
 * Columns `post_year, category, category_count`: per year of the geo
 * `timestamp` from 2018 to 2022, the categories with the most posts (ties
 * kept).
 */
export function categoryByYear(posts: AnyFrame): pl.DataFrame {
  const rows = lazy(posts)
    .withColumns(pl.col("timestamp").dt.year().alias("post_year"))
    .filter(inYears(pl.col("post_year"), POST_YEARS));
  return finish("category_by_year", mostPopularCategory(rows, "post_year"));
}

/** Per country, the distinct (poster, count) pairs with the country's largest count. */
function topPosters(posts: AnyFrame): pl.LazyDataFrame {
  const followers = pl.col("follower_count");
  return lazy(posts)
    .filter(allPresent(["country", "poster_name", "follower_count"]))
    .filter(followers.eq(followers.max().over("country")))
    .select("country", "poster_name", "follower_count")
    .unique();
}

/**
 * Q3 step 1 (task 6): "For each country find the user with the most
 * followers."
 *
 * Columns `country, poster_name, follower_count`: per country, the posters
 * whose follower count is the country's largest (ties kept, each poster
 * once).
 */
export function topPosterByCountry(posts: AnyFrame): pl.DataFrame {
  return finish("top_poster_by_country", topPosters(posts));
}

/**
 * Q3 step 2 (task 6): "Based on the above, find the country with the user
 * with most followers."
 *
 * Columns `country, follower_count`: the countries of the posters with the
 * largest follower count of all (one row unless countries tie).
 */
export function topCountry(posts: AnyFrame): pl.DataFrame {
  const followers = pl.col("follower_count");
  const rows = topPosters(posts)
    .filter(followers.eq(followers.max()))
    .select("country", "follower_count")
    .unique();
  return finish("top_country", rows);
}

/**
 * Q4 (task 7): "Most popular category people post to, by age group 18-24,
 * 25-35, 36-50, +50."
 *
 * Columns `age_group, category, category_count`: per age group (users
 * under 18 are in none), the categories with the most posts (ties kept).
 */
export function categoryByAgeGroup(posts: AnyFrame): pl.DataFrame {
  const rows = lazy(posts).withColumns(ageGroup(pl.col("age")).alias("age_group"));
  return finish("category_by_age_group", mostPopularCategory(rows, "age_group"));
}

/**
 * Q5 (task 8): "Median follower count for users in age groups 18-24,
 * 25-35, 36-50, +50."
 *
 * Columns `age_group, median_follower_count`: the exact median over the
 * posts of each age group.
 */
export function medianFollowersByAgeGroup(posts: AnyFrame): pl.DataFrame {
  const rows = lazy(posts).withColumns(ageGroup(pl.col("age")).alias("age_group"));
  return finish("median_followers_by_age_group", medianFollowers(rows, ["age_group"]));
}

/**
 * Q6 (task 9): "Find how many users have joined between 2015 and 2020."
 *
 * Columns `post_year, number_users_joined`: per year of `date_joined` from
 * 2015 to 2020, the number of distinct users, a user being
 * (`user_name`, `date_joined`).
 */
export function usersJoinedByYear(posts: AnyFrame): pl.DataFrame {
  const rows = joinedPosts(posts)
    .filter(pl.col("user_name").isNotNull())
    .unique({ subset: ["user_name", "date_joined"] })
    .groupBy("post_year")
    .agg(pl.len().cast(pl.Int64).alias("number_users_joined"));
  return finish("users_joined_by_year", rows);
}

/**
 * Q7 (task 10): "Median follower count of users who have joined between
 * 2015 and 2020."
 *
 * Columns `post_year, median_follower_count`: per year of `date_joined`
 * from 2015 to 2020, the exact median over the posts.
 */
export function medianFollowersByJoinYear(posts: AnyFrame): pl.DataFrame {
  return finish(
    "median_followers_by_join_year",
    medianFollowers(joinedPosts(posts), ["post_year"]),
  );
}

/**
 * Q8 (task 11): "Median follower count of users who joined between 2015
 * and 2020, by age group."
 *
 * Columns `age_group, post_year, median_follower_count`: per age group and
 * year of `date_joined` from 2015 to 2020, the exact median over the posts.
 */
export function medianFollowersByAgeGroupAndJoinYear(posts: AnyFrame): pl.DataFrame {
  const rows = joinedPosts(posts).withColumns(ageGroup(pl.col("age")).alias("age_group"));
  return finish(
    "median_followers_by_age_group_and_join_year",
    medianFollowers(rows, ["age_group", "post_year"]),
  );
}
