/**
 * Helpers for the analytics tests: silver frames built from plain rows in
 * the cleaned schemas, and the nine answers worked out from those rows in
 * plain TypeScript, independently of Polars.
 *
 * @module
 */
import pl from "nodejs-polars";
import { GEO_SCHEMA, PIN_SCHEMA, type Schema, USER_SCHEMA } from "../../lib/clean/mod.ts";
import type { GoldName, SilverFrames } from "../../lib/analytics/mod.ts";
import type { RecordKind } from "../../lib/records.ts";

/** A silver pin row (only the columns the analytics read; the rest are null). */
export interface PinRow {
  ind: number | null;
  category: string | null;
  poster_name: string | null;
  follower_count: number | null;
}
/** A silver geo row; `timestamp` is an ISO instant such as `2019-01-01T00:00:00Z`. */
export interface GeoRow {
  ind: number | null;
  country: string | null;
  timestamp: string | null;
}
/** A silver user row; `date_joined` is an ISO instant. */
export interface UserRow {
  ind: number | null;
  user_name: string | null;
  age: number | null;
  date_joined: string | null;
}

/** The plain rows of the three silver tables, in table order. */
export interface SilverRows {
  pin: PinRow[];
  geo: GeoRow[];
  user: UserRow[];
}

type Row = Record<string, unknown>;

function frame(schema: Schema, rows: Row[]): pl.DataFrame {
  const entries = Object.entries(schema);
  const lists = entries.filter(([, type]) => String(type).includes("List"));
  const df = pl.DataFrame(
    entries.filter(([, type]) => !String(type).includes("List")).map(([name, type]) => {
      const values = rows.map((r) => r[name] ?? null);
      if (String(type).includes("Datetime")) {
        const dates = values.map((v) => v === null ? null : new Date(String(v)));
        return pl.Series(name, dates, pl.Datetime("ms")).cast(type);
      }
      return pl.Series(name, values, type);
    }),
  );
  // The analytics never read the list column (geo coordinates): all null.
  return df
    .withColumns(...lists.map(([name, type]) => pl.lit(null).cast(type).alias(name)))
    .select(...entries.map(([name]) => name));
}

/** The silver frames of `rows`, with the exact schemas the pipeline writes. */
export function silverFrames(rows: SilverRows): SilverFrames & Record<RecordKind, pl.DataFrame> {
  return {
    pin: frame(PIN_SCHEMA, rows.pin as unknown as Row[]),
    geo: frame(GEO_SCHEMA, rows.geo as unknown as Row[]),
    user: frame(USER_SCHEMA, rows.user as unknown as Row[]),
  };
}

const AGE_ORDER = ["18-24", "25-35", "36-50", "+50"];

function ageGroupOf(age: number | null): string | null {
  if (age === null) return null;
  if (age >= 18 && age <= 24) return "18-24";
  if (age >= 25 && age <= 35) return "25-35";
  if (age >= 36 && age <= 50) return "36-50";
  return age > 50 ? "+50" : null;
}

function yearOf(iso: string | null): number | null {
  return iso === null ? null : new Date(iso).getUTCFullYear();
}

function firstPerInd<T extends { ind: number | null }>(rows: T[]): Map<number, T> {
  const first = new Map<number, T>();
  for (const row of rows) if (row.ind !== null && !first.has(row.ind)) first.set(row.ind, row);
  return first;
}

interface Post extends PinRow, Omit<GeoRow, "ind">, Omit<UserRow, "ind"> {
  age_group: string | null;
  geo_year: number | null;
  join_year: number | null;
}

/** One post per `ind` in all three tables, the first row of each `ind` winning. */
export function expectedPosts(rows: SilverRows): Post[] {
  const geo = firstPerInd(rows.geo);
  const user = firstPerInd(rows.user);
  const posts: Post[] = [];
  for (const pin of firstPerInd(rows.pin).values()) {
    const g = geo.get(pin.ind!);
    const u = user.get(pin.ind!);
    if (!g || !u) continue;
    posts.push({
      ...pin,
      country: g.country,
      timestamp: g.timestamp,
      user_name: u.user_name,
      age: u.age,
      date_joined: u.date_joined,
      age_group: ageGroupOf(u.age),
      geo_year: yearOf(g.timestamp),
      join_year: yearOf(u.date_joined),
    });
  }
  return posts;
}

function groups<T>(items: T[], key: (item: T) => unknown[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = JSON.stringify(key(item));
    out.set(k, [...(out.get(k) ?? []), item]);
  }
  return out;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function compare(a: unknown, b: unknown, column: string): number {
  if (column === "age_group") {
    return AGE_ORDER.indexOf(a as string) - AGE_ORDER.indexOf(b as string);
  }
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function ordered(rows: Row[], columns: string[]): Row[] {
  return rows.sort((x, y) => {
    for (const c of columns) {
      const d = compare(x[c], y[c], c);
      if (d !== 0) return d;
    }
    return 0;
  });
}

function mostPopular(posts: Post[], group: (p: Post) => unknown, label: string): Row[] {
  const kept = posts.filter((p) => group(p) !== null && p.category !== null);
  const counts = [...groups(kept, (p) => [group(p), p.category]).values()].map((ps) => ({
    [label]: group(ps[0]!),
    category: ps[0]!.category,
    category_count: ps.length,
  }));
  const best = new Map<unknown, number>();
  for (const c of counts) best.set(c[label], Math.max(best.get(c[label]) ?? 0, c.category_count));
  return ordered(counts.filter((c) => c.category_count === best.get(c[label])), [
    label,
    "category",
  ]);
}

function medians(posts: Post[], keys: [string, (p: Post) => unknown][]): Row[] {
  const kept = posts.filter((p) =>
    keys.every(([, k]) => k(p) !== null) && p.follower_count !== null
  );
  const rows = [...groups(kept, (p) => keys.map(([, k]) => k(p))).values()].map((ps) => ({
    ...Object.fromEntries(keys.map(([name, k]) => [name, k(ps[0]!)])),
    median_follower_count: median(ps.map((p) => p.follower_count!)),
  }));
  return ordered(rows, keys.map(([name]) => name));
}

function distinctRows(rows: Row[]): Row[] {
  return [...new Map(rows.map((r) => [JSON.stringify(r), r])).values()];
}

/** The nine answers, worked out from the plain rows by the rules of DESIGN.md section 6. */
export function expectedGold(rows: SilverRows): Record<GoldName, Row[]> {
  const posts = expectedPosts(rows);
  const inGeoYears = posts.filter((p) =>
    p.geo_year !== null && p.geo_year >= 2018 && p.geo_year <= 2022
  );
  const joined = posts.filter((p) =>
    p.join_year !== null && p.join_year >= 2015 && p.join_year <= 2020
  );

  const withFollowers = posts.filter((p) =>
    p.country !== null && p.poster_name !== null && p.follower_count !== null
  );
  const maxInCountry = new Map<string, number>();
  for (const p of withFollowers) {
    maxInCountry.set(
      p.country!,
      Math.max(maxInCountry.get(p.country!) ?? -Infinity, p.follower_count!),
    );
  }
  const topPosters = ordered(
    distinctRows(
      withFollowers.filter((p) => p.follower_count === maxInCountry.get(p.country!)).map((p) => ({
        country: p.country,
        poster_name: p.poster_name,
        follower_count: p.follower_count,
      })),
    ),
    ["country", "poster_name"],
  );
  const overall = Math.max(...topPosters.map((r) => r.follower_count as number));
  const topCountry = ordered(
    distinctRows(
      topPosters.filter((r) => r.follower_count === overall).map((r) => ({
        country: r.country,
        follower_count: r.follower_count,
      })),
    ),
    ["country"],
  );

  const users = groups(
    joined.filter((p) => p.user_name !== null),
    (p) => [p.join_year],
  );
  const usersJoined = ordered(
    [...users.values()].map((ps) => ({
      post_year: ps[0]!.join_year,
      number_users_joined: new Set(ps.map((p) => JSON.stringify([p.user_name, p.date_joined])))
        .size,
    })),
    ["post_year"],
  );

  return {
    category_by_country: mostPopular(posts, (p) => p.country, "country"),
    category_by_year: mostPopular(inGeoYears, (p) => p.geo_year, "post_year"),
    top_poster_by_country: topPosters,
    top_country: topCountry,
    category_by_age_group: mostPopular(posts, (p) => p.age_group, "age_group"),
    median_followers_by_age_group: medians(posts, [["age_group", (p) => p.age_group]]),
    users_joined_by_year: usersJoined,
    median_followers_by_join_year: medians(joined, [["post_year", (p) => p.join_year]]),
    median_followers_by_age_group_and_join_year: medians(joined, [
      ["age_group", (p) => p.age_group],
      ["post_year", (p) => p.join_year],
    ]),
  };
}
