/**
 * The analytics of the course (milestone 7, tasks 4 to 11) as gold tables:
 * nine answers computed with Polars from the three silver tables
 * (`<USER_ID>_{pin,geo,user}_table`), each with exactly the course's output
 * columns, written as Delta tables `<USER_ID>_<name>` in `default`.
 *
 * Each silver table is deduplicated by `ind` (the first row wins), pin is
 * inner-joined with geo and user on `ind` ({@linkcode joinPosts}), and each
 * question is one function over those posts ({@linkcode categoryByCountry}
 * and the others); {@linkcode computeGold} answers all nine and
 * {@linkcode writeGoldTables} writes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { computeGold, GOLD_TABLES } from "./mod.ts";
 *
 * const gold = computeGold({
 *   pin: pl.DataFrame({ ind: [1, 2], category: ["art", "diy"], poster_name: ["A", "B"], follower_count: [10, 20] }),
 *   geo: pl.DataFrame({ ind: [1, 2], country: ["Chad", "Peru"], timestamp: [new Date("2019-01-01"), new Date("2020-01-01")] }),
 *   user: pl.DataFrame({ ind: [1, 2], user_name: ["Ann", "Bo"], age: [20, 40], date_joined: [new Date("2016-01-01"), new Date("2016-06-01")] }),
 * });
 * for (const { name, columns } of GOLD_TABLES) assert.deepEqual(gold[name].columns, columns);
 * assert.deepEqual(gold.median_followers_by_join_year.toRecords(), [
 *   { post_year: 2016, median_follower_count: 15 },
 * ]);
 * ```
 *
 * @module
 */
export {
  AGE_GROUPS,
  type AgeGroup,
  ageGroup,
  ageGroupOrder,
  firstPerInd,
  joinPosts,
  POST_COLUMNS,
  type SilverFrames,
} from "./posts.ts";
export {
  GOLD_NAMES,
  GOLD_TABLES,
  type GoldName,
  goldTable,
  goldTableName,
  type GoldTableSpec,
} from "./tables.ts";
export {
  categoryByAgeGroup,
  categoryByCountry,
  categoryByYear,
  JOIN_YEARS,
  medianFollowersByAgeGroup,
  medianFollowersByAgeGroupAndJoinYear,
  medianFollowersByJoinYear,
  POST_YEARS,
  topCountry,
  topPosterByCountry,
  usersJoinedByYear,
} from "./questions.ts";
export {
  computeGold,
  GOLD_QUESTIONS,
  type GoldFrames,
  type GoldTableReport,
  readSilverTables,
  writeGoldTables,
  type WriteGoldTablesOptions,
} from "./gold.ts";
export {
  chartBundle,
  chartSpec,
  type ChartSpecOptions,
  chartTitle,
  HEALTH_METRICS,
  healthChartSpec,
  type HealthMetric,
  type HealthPoint,
  healthPoint,
  healthTitle,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./charts.ts";
