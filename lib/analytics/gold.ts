/**
 * The gold layer: the nine answers computed from the silver tables in one
 * pass, and written as Delta tables `<USER_ID>_<name>` in `default`, each
 * replaced by an overwrite commit.
 *
 * @module
 */
import type pl from "nodejs-polars";
import type { Catalog } from "../catalog.ts";
import { tableName } from "../config.ts";
import { TableNotFoundError } from "../delta/mod.ts";
import { RECORD_KINDS } from "../records.ts";
import { joinPosts, type SilverFrames } from "./posts.ts";
import {
  categoryByAgeGroup,
  categoryByCountry,
  categoryByYear,
  medianFollowersByAgeGroup,
  medianFollowersByAgeGroupAndJoinYear,
  medianFollowersByJoinYear,
  topCountry,
  topPosterByCountry,
  usersJoinedByYear,
} from "./questions.ts";
import { GOLD_TABLES, type GoldName, goldTableName } from "./tables.ts";

/** The nine answers, by gold table name. */
export type GoldFrames = Record<GoldName, pl.DataFrame>;

/** The function that answers each question, from the joined posts. */
export const GOLD_QUESTIONS: Readonly<Record<GoldName, (posts: pl.DataFrame) => pl.DataFrame>> = {
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

/**
 * Computes the nine answers from the silver frames: the posts are joined
 * once ({@linkcode joinPosts}), then each question is answered from them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { computeGold } from "./gold.ts";
 * const gold = computeGold({
 *   pin: pl.DataFrame({ ind: [1], category: ["art"], poster_name: ["Ann"], follower_count: [5] }),
 *   geo: pl.DataFrame({ ind: [1], country: ["Chad"], timestamp: [new Date("2019-05-01")] }),
 *   user: pl.DataFrame({ ind: [1], user_name: ["Ann Lee"], age: [30], date_joined: [new Date("2016-01-01")] }),
 * });
 * assert.deepEqual(gold.top_country.toRecords(), [{ country: "Chad", follower_count: 5 }]);
 * ```
 */
export function computeGold(silver: SilverFrames): GoldFrames {
  const posts = joinPosts(silver).collectSync();
  return Object.fromEntries(
    GOLD_TABLES.map(({ name }) => [name, GOLD_QUESTIONS[name](posts)]),
  ) as GoldFrames;
}

/**
 * Reads the three silver tables `<userId>_{pin,geo,user}_table` of the
 * catalog at their latest versions, each in table order. Missing tables
 * throw `TableNotFoundError` naming every one of them.
 */
export async function readSilverTables(catalog: Catalog, userId: string): Promise<SilverFrames> {
  const names = RECORD_KINDS.map((kind) => `default.${tableName(userId, kind)}`);
  const missing = [];
  for (const name of names) if (!await catalog.exists(name)) missing.push(name);
  if (missing.length > 0) {
    throw new TableNotFoundError(
      `Cannot read the silver table${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: ` +
        `${missing.length > 1 ? "they do" : "it does"} not exist in ${catalog.lakehouseDir} ` +
        "(the streaming queries write them: deno task stream)",
    );
  }
  const frames = [];
  for (const name of names) frames.push(await (await catalog.open(name)).read());
  const [pin, geo, user] = frames;
  return { pin: pin!, geo: geo!, user: user! };
}

/** Options of {@linkcode writeGoldTables}. */
export interface WriteGoldTablesOptions {
  /**
   * The silver frames to answer from. Default: read the silver tables of the catalog.
   *
   * @default {the silver tables of the catalog}
   */
  silver?: SilverFrames;
  /**
   * The answers to write. Default: computed from `silver` by {@linkcode computeGold}.
   *
   * @default {computeGold(silver)}
   */
  gold?: GoldFrames;
}

/** What {@linkcode writeGoldTables} wrote to one gold table. */
export interface GoldTableReport {
  /** The gold table's name without the user id. */
  name: GoldName;
  /** Its catalog name, `default.<userId>_<name>`. */
  table: string;
  /** Its directory. */
  path: string;
  /** The rows it now holds. */
  rows: number;
  /** The version the overwrite committed. */
  version: number;
}

/**
 * Computes the nine answers (unless given) and writes each as the Delta
 * table `default.<userId>_<name>`: created (version 0) when missing, then
 * given the answer's rows by one overwrite commit, so readers of earlier
 * versions are not disturbed. A table there with other columns is refused
 * (`TableExistsError`) before any table is overwritten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { Catalog } from "../catalog.ts";
 * import { writeGoldTables } from "./gold.ts";
 * const lakehouseDir = await Deno.makeTempDir();
 * const silver = {
 *   pin: pl.DataFrame({ ind: [1], category: ["art"], poster_name: ["Ann"], follower_count: [5] }),
 *   geo: pl.DataFrame({ ind: [1], country: ["Chad"], timestamp: [new Date("2019-05-01")] }),
 *   user: pl.DataFrame({ ind: [1], user_name: ["Ann Lee"], age: [30], date_joined: [new Date("2016-01-01")] }),
 * };
 * const reports = await writeGoldTables(new Catalog({ lakehouseDir }), "u1", { silver });
 * assert.deepEqual(reports[3], {
 *   name: "top_country",
 *   table: "default.u1_top_country",
 *   path: `${lakehouseDir}/default/u1_top_country`,
 *   rows: 1,
 *   version: 1,
 * });
 * await Deno.remove(lakehouseDir, { recursive: true });
 * ```
 */
export async function writeGoldTables(
  catalog: Catalog,
  userId: string,
  options: WriteGoldTablesOptions = {},
): Promise<GoldTableReport[]> {
  goldTableName(userId, GOLD_TABLES[0]!.name); // a bad user id fails before any reading
  const { silver, gold = computeGold(silver ?? await readSilverTables(catalog, userId)) } = options;
  // Open (or create) all nine first, so a table with other columns stops the
  // run before any answer is replaced.
  const tables = [];
  for (const spec of GOLD_TABLES) {
    if (!gold[spec.name]) {
      throw new TypeError(`Cannot write the gold tables: ${spec.name} is missing`);
    }
    const table = `default.${goldTableName(userId, spec.name)}`;
    const delta = await catalog.createIfNotExists(table, spec.schema, {
      description: spec.question,
    });
    tables.push({ spec, table, delta });
  }
  const reports: GoldTableReport[] = [];
  for (const { spec, table, delta } of tables) {
    const { version, rows } = await delta.overwrite(gold[spec.name]);
    reports.push({ name: spec.name, table, path: catalog.tablePath(table), rows, version });
  }
  return reports;
}
