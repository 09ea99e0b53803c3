/**
 * The source tables: a seeded generator of the course's three database
 * tables (`pinterest_data`, `geolocation_data`, `user_data`), and reading
 * and writing them as NDJSON files, one directory per source.
 *
 * The generator reproduces what is known of the real tables: the columns
 * and JSON types, the 13 categories in contiguous index ranges, the
 * placeholder values at their real rates, follower counts as "998", "12k"
 * or "3M", descriptions cut at 177 characters, and posters that repeat
 * across posts with one user and one location each. As in the real data,
 * the posters who post most have the "smallest" attributes (names early
 * in the alphabet, age near 20, early join dates, latitudes near -90), so
 * about 78% of rows have a negative latitude.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CATEGORIES,
  type GeoRecord,
  type PinRecord,
  RECORD_COLUMNS,
  RECORD_KINDS,
  RECORD_SCHEMAS,
  type RecordKind,
  type UserRecord,
} from "../records.ts";
import { COUNTRIES } from "./_countries.ts";
import { SourceDataError } from "./errors.ts";
import { cumulative, pickWeighted, Random } from "./_random.ts";
import {
  driftFollowerCount,
  makeDescription,
  makeFollowerCount,
  makePosterName,
  makeTagList,
  makeTitle,
} from "./_text.ts";
import { CATEGORY_WORDS, FIRST_NAMES, LAST_NAMES } from "./_words.ts";

/** The three tables of a source, each sorted by row id. */
export interface SourceTables {
  /** Rows of `pinterest_data`. */
  pin: PinRecord[];
  /** Rows of `geolocation_data`, with the same ids as `pin`. */
  geo: GeoRecord[];
  /** Rows of `user_data`, with the same ids as `pin`. */
  user: UserRecord[];
}

/** Options of {@linkcode generateTables}. */
export interface GenerateOptions {
  /** Rows per table, an integer from 1 to 1,000,000. Default 11,000 (the course's size). */
  rows?: number;
  /** Seed of the generator, an integer: the same seed gives the same tables. Default 100. */
  seed?: number;
}

/** Placeholder values of the source data, exactly as the database holds them. */
const NO_TITLE = "No Title Data Available";
const STORY_DESCRIPTION = "No description available Story format";
const NO_DESCRIPTION = "No description available";
const USER_INFO_ERROR = "User Info Error";
const NO_TAGS = "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
const IMAGE_SRC_ERROR = "Image src error.";
const STORY = "multi-video(story page format)";

/**
 * Shares of rows in the real tables (counts out of 2,248 sampled pin rows),
 * used as exact proportions of the generated rows.
 */
const SHARE = {
  story: 154 / 2248,
  video: 68 / 2248,
  /** Story rows whose whole scrape failed: no title, user, image or tags. */
  userInfoError: 17 / 2248,
  /** Other story rows whose image could not be fetched. */
  imageSrcError: 37 / 2248,
  emptyTitle: 1 / 2248,
  noDescription: 35 / 2248,
  /** Rows with no tags, apart from the user-info-error rows. */
  noTags: 14 / 2248,
  untitled: 1 / 2248,
} as const;

/** Posters per row, the popularity exponent, and how loosely a poster's rank orders its attributes. */
const POSTERS_PER_ROW = 0.9;
const POPULARITY_EXPONENT = 0.7;
const ATTRIBUTE_NOISE = 0.1;
/** Share of a category's rows posted by posters whose home is that category. */
const HOME_CATEGORY_SHARE = 0.75;

const SECOND = 1000;
const JOINED_FROM = Date.UTC(2015, 9, 21);
const JOINED_TO = Date.UTC(2017, 9, 18, 23, 59, 59);
const POSTED_FROM = Date.UTC(2017, 9, 20);
const POSTED_TO = Date.UTC(2022, 9, 18, 23, 59, 59);

interface Poster {
  name: string;
  followerCount: string;
  category: number;
  firstName: string;
  lastName: string;
  age: number;
  dateJoined: string;
  latitude: number;
  longitude: number;
  country: string;
}

/**
 * Generates the three source tables, deterministically for a seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTables } from "./generate.ts";
 * const { pin, geo, user } = generateTables({ rows: 100, seed: 1 });
 * assert.equal(pin.length, 100);
 * assert.equal(user.length, 100);
 * assert.equal(geo[0]?.ind, pin[0]?.index);
 * ```
 */
export function generateTables(options: GenerateOptions = {}): SourceTables {
  const { rows = 11_000, seed = 100 } = options;
  if (!Number.isInteger(rows) || rows < 1 || rows > 1_000_000) {
    throw new RangeError(`Cannot generate ${rows} rows: rows must be an integer from 1 to 1000000`);
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`Cannot generate with seed ${seed}: the seed must be an integer`);
  }
  const random = new Random(seed);
  const ids = sparseIds(random, rows);
  const categoryOf = categoryBlocks(random, rows);
  const posters = makePosters(random, Math.max(1, Math.round(rows * POSTERS_PER_ROW)));
  const errorPoster = posters.pop() as Poster;

  const globalPool = cumulative(posters.map((_, i) => popularity(i)));
  const homePools = CATEGORIES.map((_, c) => {
    const members = posters.flatMap((p, i) => (p.category === c ? [i] : []));
    return { members, cum: cumulative(members.map(popularity)) };
  });

  // Placeholders get exact shares of the rows, so their rates match the real ones.
  const positions = random.sample(ids.map((_, i) => i), rows);
  const storyCount = Math.max(4, share(SHARE.story, rows));
  const story = take(positions, storyCount);
  const video = take(positions, share(SHARE.video, rows));
  const storyOrder = story.slice();
  const userInfoError = new Set(take(storyOrder, share(SHARE.userInfoError, rows)));
  const imageSrcError = new Set(take(storyOrder, share(SHARE.imageSrcError, rows)));
  const emptyTitle = new Set(take(storyOrder, share(SHARE.emptyTitle, rows)));
  const others = random.sample([...positions, ...video], positions.length + video.length);
  const noDescription = new Set(take(others, share(SHARE.noDescription, rows)));
  const untitled = new Set(take(others, share(SHARE.untitled, rows)));
  const untitledPhoto = new Set(take(others, share(SHARE.untitled, rows)));
  const descriptionUntitled = new Set(take(others, share(SHARE.untitled, rows)));
  const noTags = new Set(take(others, share(SHARE.noTags, rows)));
  const storySet = new Set(story);
  const videoSet = new Set(video);

  const pin: PinRecord[] = [];
  const geo: GeoRecord[] = [];
  const user: UserRecord[] = [];
  const uuids = new Set<string>();
  for (let r = 0; r < rows; r++) {
    const ind = ids[r] as number;
    const c = categoryOf(r);
    const category = CATEGORIES[c] as string;
    const words = CATEGORY_WORDS[CATEGORIES[c] as typeof CATEGORIES[number]];
    const failed = userInfoError.has(r);
    let poster = errorPoster;
    if (!failed) {
      const home = homePools[c];
      const fromHome = home && home.members.length > 0 && random.chance(HOME_CATEGORY_SHARE);
      poster = fromHome
        ? posters[home.members[pickWeighted(random, home.cum)] as number] as Poster
        : posters[pickWeighted(random, globalPool)] as Poster;
    }
    const kind = storySet.has(r) ? STORY : videoSet.has(r) ? "video" : "image";
    let uniqueId = random.uuid4();
    while (uuids.has(uniqueId)) uniqueId = random.uuid4();
    uuids.add(uniqueId);

    const title = failed
      ? NO_TITLE
      : emptyTitle.has(r)
      ? ""
      : untitled.has(r)
      ? "Untitled"
      : untitledPhoto.has(r)
      ? "Untitled: Photo"
      : makeTitle(random, words);
    const description = kind === STORY
      ? STORY_DESCRIPTION
      : noDescription.has(r)
      ? NO_DESCRIPTION
      : descriptionUntitled.has(r)
      ? "Untitled"
      : makeDescription(random, words);
    const imageFailed = failed || imageSrcError.has(r);
    pin.push({
      index: ind,
      unique_id: uniqueId,
      title,
      description,
      poster_name: failed ? USER_INFO_ERROR : poster.name,
      follower_count: failed
        ? USER_INFO_ERROR
        : random.chance(0.003)
        ? driftFollowerCount(random, poster.followerCount)
        : poster.followerCount,
      tag_list: failed || noTags.has(r) ? NO_TAGS : makeTagList(random, words),
      is_image_or_video: kind,
      image_src: imageFailed ? IMAGE_SRC_ERROR : imageSource(random, kind !== "image"),
      downloaded: imageFailed ? 0 : 1,
      save_location: `Local save in /data/${category}`,
      category,
    });
    geo.push({
      ind,
      timestamp: formatDateTime(random.int(POSTED_FROM / SECOND, POSTED_TO / SECOND) * SECOND),
      latitude: poster.latitude,
      longitude: poster.longitude,
      country: poster.country,
    });
    user.push({
      ind,
      first_name: poster.firstName,
      last_name: poster.lastName,
      age: poster.age,
      date_joined: poster.dateJoined,
    });
  }
  return { pin, geo, user };
}

/** The number of rows for a share: at least one, so every placeholder occurs. */
function share(fraction: number, rows: number): number {
  return Math.max(1, Math.round(fraction * rows));
}

/** Removes and returns the first `count` items of `from`. */
function take(from: number[], count: number): number[] {
  return from.splice(0, Math.min(count, from.length));
}

function popularity(rank: number): number {
  return 1 / (rank + 1) ** POPULARITY_EXPONENT;
}

/** `rows` ascending ids from 0 to about 1% above `rows`, a few skipped as in the real table. */
function sparseIds(random: Random, rows: number): number[] {
  const range = Math.max(rows, Math.round(rows * 1.01));
  const ids: number[] = [];
  for (let i = 0; i < range && ids.length < rows; i++) {
    if (random.float() * (range - i) < rows - ids.length) ids.push(i);
  }
  return ids;
}

/** The category of each row position: contiguous blocks of uneven size, in alphabetical order. */
function categoryBlocks(random: Random, rows: number): (position: number) => number {
  const weights = CATEGORIES.map(() => 0.8 + 0.45 * random.float());
  const total = weights.reduce((a, b) => a + b, 0);
  const ends: number[] = [];
  let sum = 0;
  for (const w of weights) {
    sum += w;
    ends.push(Math.round((sum / total) * rows));
  }
  return (position) => {
    const c = ends.findIndex((end) => position < end);
    return c === -1 ? CATEGORIES.length - 1 : c;
  };
}

/**
 * `count` posters by rank of popularity, plus one more (the last) that
 * stands for the rows whose user info could not be scraped. Each attribute
 * is drawn uniformly, then handed out in order of rank plus noise.
 */
function makePosters(random: Random, count: number): Poster[] {
  const total = count + 1;
  // The failed-scrape poster posts about as often as a top-1% poster.
  const rankOf = (i: number) => (i < count ? i / count : 0.01);
  const quantiles = () => {
    const keys = Array.from(
      { length: total },
      (_, i) => rankOf(i) + ATTRIBUTE_NOISE * random.normal(),
    );
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number));
    const q = new Float64Array(total);
    order.forEach((poster, position) => {
      q[poster] = (position + random.float()) / total;
    });
    return q;
  };
  const firstNames = [...FIRST_NAMES].sort();
  const lastNames = [...LAST_NAMES].sort();
  const qFirst = quantiles();
  const qLast = quantiles();
  const qAge = quantiles();
  const qJoined = quantiles();
  const qLatitude = quantiles();
  const qLongitude = quantiles();
  const qCountry = quantiles();
  const names = new Set<string>();
  const posters: Poster[] = [];
  for (let i = 0; i < total; i++) {
    const category = random.int(0, CATEGORIES.length - 1);
    const words = CATEGORY_WORDS[CATEGORIES[category] as typeof CATEGORIES[number]];
    let name = makePosterName(random, words);
    for (let tries = 0; names.has(name) && tries < 20; tries++) {
      name = makePosterName(random, words);
    }
    if (names.has(name)) name = `${name} ${i}`;
    names.add(name);
    const joined = JOINED_FROM + (qJoined[i] as number) * (JOINED_TO - JOINED_FROM);
    posters.push({
      name,
      followerCount: makeFollowerCount(random, i < 30),
      category,
      firstName: at(firstNames, qFirst[i] as number),
      lastName: at(lastNames, qLast[i] as number),
      age: 20 + Math.floor((qAge[i] as number) * 41),
      dateJoined: formatDateTime(Math.floor(joined / SECOND) * SECOND),
      latitude: coordinate(random, qLatitude[i] as number, 90),
      longitude: coordinate(random, qLongitude[i] as number, 180),
      country: at(COUNTRIES, qCountry[i] as number),
    });
  }
  return posters;
}

function at(items: readonly string[], q: number): string {
  return items[Math.min(items.length - 1, Math.floor(q * items.length))] as string;
}

/**
 * A coordinate in (-limit, limit) at quantile q, written like the real
 * data: six significant digits, and 1 to 5 decimals.
 */
function coordinate(random: Random, q: number, limit: number): number {
  let value = -limit + 2 * limit * q;
  for (;;) {
    const rounded = Math.abs(value) < 1 ? Number(value.toFixed(5)) : Number(value.toPrecision(6));
    if (!Number.isInteger(rounded) && Math.abs(rounded) < limit) return rounded;
    value = -limit +
      2 * limit * Math.min(0.9999, Math.max(0.0001, q + (random.float() - 0.5) / 1000));
  }
}

/** An image URL on Pinterest's CDN; a video's is the thumbnail of its first frame. */
function imageSource(random: Random, video: boolean): string {
  const hash = random.hex(32);
  const dirs = `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash.slice(4, 6)}`;
  if (video) return `https://i.pinimg.com/videos/thumbnails/originals/${dirs}/${hash}.0000001.jpg`;
  const r = random.float();
  const ext = r < 0.83 ? "jpg" : r < 0.99 ? "png" : r < 0.996 ? "webp" : "gif";
  return `https://i.pinimg.com/originals/${dirs}/${hash}.${ext}`;
}

/** A UTC time as "YYYY-MM-DD HH:MM:SS", like Python's `str(datetime)`. */
function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Reads the three NDJSON files (`pin.ndjson`, `geo.ndjson`, `user.ndjson`)
 * of a source directory, validating every line against its record schema.
 * Throws {@linkcode SourceDataError} naming the file and line of the first
 * bad line (invalid JSON, a schema violation, a repeated id) or a missing
 * file.
 *
 * @example
 * ```ts ignore
 * import { readSource } from "./generate.ts";
 * const { pin, geo, user } = await readSource("data/pinterest");
 * ```
 */
export async function readSource(dir: string): Promise<SourceTables> {
  const [pin, geo, user] = await Promise.all(RECORD_KINDS.map((kind) => readTable(dir, kind)));
  return { pin, geo, user } as SourceTables;
}

/** The same as {@linkcode readSource}: loads a source directory's three tables. */
export function loadSourceTables(dir: string): Promise<SourceTables> {
  return readSource(dir);
}

async function readTable(dir: string, kind: RecordKind): Promise<unknown[]> {
  const file = join(dir, `${kind}.ndjson`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT"
      ? "the file does not exist"
      : String((error as Error).message ?? error);
    throw new SourceDataError(file, 0, reason, { cause: error });
  }
  const schema = RECORD_SCHEMAS[kind];
  const idKey = kind === "pin" ? "index" : "ind";
  const seen = new Map<number, number>();
  const rows: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SourceDataError(file, i + 1, `invalid JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `field "${issue.path.join(".")}" ` : "";
      throw new SourceDataError(
        file,
        i + 1,
        `not a ${kind} record: ${where}${issue?.message ?? "invalid"}`,
        { cause: parsed.error },
      );
    }
    const id = (parsed.data as Record<string, unknown>)[idKey] as number;
    const first = seen.get(id);
    if (first !== undefined) {
      throw new SourceDataError(file, i + 1, `${idKey} ${id} repeats the row on line ${first}`);
    }
    seen.set(id, i + 1);
    rows.push(parsed.data);
  }
  return rows;
}

/**
 * One record as a line of a source file: the keys in the database's column
 * order, with `", "` and `": "` separators like Python's `json.dumps`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecordLine } from "./generate.ts";
 * const line = formatRecordLine("user", {
 *   ind: 1, first_name: "Ann", last_name: "Lee", age: 30, date_joined: "2016-01-01 00:00:00",
 * });
 * assert.ok(line.startsWith('{"ind": 1, "first_name": "Ann"'));
 * ```
 */
export function formatRecordLine(kind: RecordKind, record: object): string {
  const values = record as Record<string, unknown>;
  const fields = RECORD_COLUMNS[kind].map((column) =>
    `${JSON.stringify(column)}: ${JSON.stringify(values[column] ?? null)}`
  );
  return `{${fields.join(", ")}}`;
}

/** A file written by {@linkcode writeSource}. */
export interface WrittenFile {
  /** The record kind. */
  kind: RecordKind;
  /** The path of the file. */
  path: string;
  /** The number of rows written. */
  rows: number;
}

/**
 * Writes the three tables as `pin.ndjson`, `geo.ndjson` and `user.ndjson`
 * in `dir` (created if needed), one record per line, replacing any files
 * there. Returns what it wrote.
 *
 * @example
 * ```ts ignore
 * import { generateTables, writeSource } from "./generate.ts";
 * await writeSource("data/pinterest", generateTables());
 * ```
 */
export async function writeSource(dir: string, tables: SourceTables): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  const written: WrittenFile[] = [];
  for (const kind of RECORD_KINDS) {
    const rows: readonly object[] = tables[kind];
    const path = join(dir, `${kind}.ndjson`);
    const text = rows.map((row) => formatRecordLine(kind, row)).join("\n");
    await writeFile(path, rows.length > 0 ? `${text}\n` : "");
    written.push({ kind, path, rows: rows.length });
  }
  return written;
}
