/**
 * A Delta table as a streaming source, like Spark's Delta source: each new
 * commit's added rows are read once, in order, addressed by offsets
 * `{reservoirVersion, index}` (Spark's `DeltaSourceOffset`).
 *
 * An offset `(v, i)` means: every file of the versions before `v`, and the
 * files `0..i` of version `v`, are read; `(v, -1)` means nothing of `v` is
 * read yet. With `isStartingVersion`, version `v` stands for the table's
 * whole snapshot at `v` (files in write order), the way a query without
 * `startingVersion` first reads the table as it is, then follows new
 * commits. Commits whose adds all have `dataChange: false` (OPTIMIZE) add
 * nothing; a commit that removes data (`remove` with `dataChange: true`)
 * cannot be replayed as a stream and is refused, or skipped whole with
 * `skipChangeCommits`.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { type AddAction, DeltaTable, Snapshot } from "../delta/mod.ts";
import { DeltaSourceChangeError } from "./errors.ts";

/** A position in a Delta table's history (Spark's `DeltaSourceOffset`). */
export interface DeltaSourceOffset {
  /** Format of this offset: 1. */
  sourceVersion: 1;
  /** The table's id (its `metaData.id`). */
  reservoirId: string;
  /** The version being read. */
  reservoirVersion: number;
  /** The last file of that version read, -1 for none yet. */
  index: number;
  /** True while the version is read as the table's whole snapshot. */
  isStartingVersion: boolean;
}

/** Options of {@linkcode DeltaSource}. */
export interface DeltaSourceOptions {
  /**
   * Read the changes from this version on (or only the commits after the
   * start, with `"latest"`). Default: the table's snapshot at the start,
   * then the commits after it.
   *
   * @default {undefined}
   */
  startingVersion?: number | "latest";
  /**
   * The most files one batch reads (default 1000, as Spark).
   *
   * @default {1000}
   */
  maxFilesPerTrigger?: number;
  /**
   * Skip commits that remove data instead of failing (default false).
   *
   * @default {false}
   */
  skipChangeCommits?: boolean;
}

/** The end of the next batch, from {@linkcode DeltaSource.latestOffset}. */
export interface DeltaLatestOffset {
  /** The end offset. */
  offset: DeltaSourceOffset;
  /** How many files lie between the start and this offset. */
  files: number;
}

interface FileEntry {
  version: number;
  index: number;
  isStartingVersion: boolean;
  add: AddAction;
}

/**
 * Reads new commits of a Delta table as micro-batches.
 *
 * @example
 * ```ts ignore
 * const source = new DeltaSource("lakehouse/default/pins", { maxFilesPerTrigger: 10 });
 * const start = await source.initialOffset();
 * const next = await source.latestOffset(start);
 * if (next) console.log((await source.getBatch(start, next.offset)).height);
 * ```
 */
export class DeltaSource {
  /** The table directory. */
  readonly path: string;
  readonly #startingVersion: number | "latest" | undefined;
  readonly #maxFiles: number;
  readonly #skipChangeCommits: boolean;
  #table: DeltaTable | undefined;

  /** A source reading the table at `path` (nothing is read yet). */
  constructor(path: string, options: DeltaSourceOptions = {}) {
    const { startingVersion, maxFilesPerTrigger = 1000, skipChangeCommits = false } = options;
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Cannot read a Delta stream: path must be a non-empty string");
    }
    if (
      startingVersion !== undefined && startingVersion !== "latest" &&
      !(Number.isSafeInteger(startingVersion) && startingVersion >= 0)
    ) {
      throw new RangeError(
        `Invalid startingVersion ${
          JSON.stringify(startingVersion)
        }: expected an integer >= 0 or "latest"`,
      );
    }
    if (!Number.isSafeInteger(maxFilesPerTrigger) || maxFilesPerTrigger <= 0) {
      throw new RangeError(
        `Invalid maxFilesPerTrigger ${maxFilesPerTrigger}: it must be an integer > 0`,
      );
    }
    this.path = path;
    this.#startingVersion = startingVersion;
    this.#maxFiles = maxFilesPerTrigger;
    this.#skipChangeCommits = skipChangeCommits;
  }

  /** Spark's source description. */
  get description(): string {
    return `DeltaSource[${this.path}]`;
  }

  /** Opens the table (`TableNotFoundError` when there is none). */
  async open(): Promise<DeltaTable> {
    this.#table ??= await DeltaTable.open(this.path);
    return this.#table;
  }

  /** The table's id (its `metaData.id`). */
  async tableId(): Promise<string> {
    return (await this.open()).snapshot.metadata.id;
  }

  /** The table's latest version, reading new commits first. */
  async latestVersion(): Promise<number> {
    return await (await this.open()).refresh();
  }

  /**
   * Where a new query starts: before the snapshot at the latest version
   * (no `startingVersion`), before `startingVersion`, or after the latest
   * version (`"latest"`). A `startingVersion` above the latest is a `RangeError`.
   */
  async initialOffset(): Promise<DeltaSourceOffset> {
    const latest = await this.latestVersion();
    const reservoirId = await this.tableId();
    const start = this.#startingVersion;
    if (start === undefined) return offset(reservoirId, latest, -1, true);
    if (start === "latest") return offset(reservoirId, latest + 1, -1, false);
    if (start > latest) {
      throw new RangeError(
        `Cannot start reading ${this.path} at version ${start}: the latest version is ${latest}`,
      );
    }
    return offset(reservoirId, start, -1, false);
  }

  /**
   * The end of the next batch after `start`: at most `maxFilesPerTrigger`
   * files, no version above `untilVersion` (default the latest). Null when
   * no commit came after `start`. The result may hold 0 files when the
   * commits read only rearranged data or were skipped.
   */
  async latestOffset(
    start: DeltaSourceOffset,
    untilVersion?: number,
  ): Promise<DeltaLatestOffset | null> {
    const latest = Math.min(await this.latestVersion(), untilVersion ?? Infinity);
    let files = 0;
    let last: FileEntry | null = null;
    for await (const entry of this.#entries(start, latest)) {
      files++;
      last = entry;
      if (files >= this.#maxFiles) break;
    }
    let end: DeltaSourceOffset;
    if (files >= this.#maxFiles && last) {
      end = offset(start.reservoirId, last.version, last.index, last.isStartingVersion);
    } else {
      end = offset(start.reservoirId, Math.max(latest + 1, start.reservoirVersion), -1, false);
      if (start.isStartingVersion && start.reservoirVersion > latest) end = start;
    }
    return sameOffset(start, end) ? null : { offset: end, files };
  }

  /** The rows of the files after `start`, up to and including `end`, in the table's schema. */
  async getBatch(start: DeltaSourceOffset | null, end: DeltaSourceOffset): Promise<pl.DataFrame> {
    const table = await this.open();
    const from = start ?? offset(end.reservoirId, 0, -1, false);
    const adds: AddAction[] = [];
    const until = end.index < 0 ? end.reservoirVersion - 1 : end.reservoirVersion;
    for await (const entry of this.#entries(from, until)) {
      if (compare(entry, end) > 0) break;
      adds.push(entry.add);
    }
    return table.readFiles(adds);
  }

  /** Files after `start` in read order, up to `latest`. */
  async *#entries(start: DeltaSourceOffset, latest: number): AsyncGenerator<FileEntry> {
    const table = await this.open();
    let version = start.reservoirVersion;
    if (start.isStartingVersion && version <= latest) {
      const snapshot = await Snapshot.load(this.path, { version });
      const files = snapshot.files.sort(byWrite);
      for (let index = start.index + 1; index < files.length; index++) {
        yield { version, index, isStartingVersion: true, add: files[index]! };
      }
      version++;
    }
    for (let v = version; v <= latest; v++) {
      const commit = await table.commitAt(v);
      if (!commit) {
        throw new Error(
          `Cannot read version ${v} of ${this.path} as a stream: its commit file is gone ` +
            "(log cleanup); restart the query from a newer startingVersion",
        );
      }
      if (commit.removes.some((r) => r.dataChange !== false)) {
        if (this.#skipChangeCommits) continue;
        const operation = commit.commitInfo?.operation ?? "unknown operation";
        throw new DeltaSourceChangeError(
          `Cannot read version ${v} of ${this.path} as a stream: the commit (${operation}) ` +
            "removes data, which a streaming source cannot replay; set skipChangeCommits to " +
            "skip such commits",
          v,
        );
      }
      const adds = commit.adds.filter((a) => a.dataChange !== false);
      const first = v === start.reservoirVersion && !start.isStartingVersion ? start.index + 1 : 0;
      for (let index = first; index < adds.length; index++) {
        yield { version: v, index, isStartingVersion: false, add: adds[index]! };
      }
    }
  }
}

function offset(
  reservoirId: string,
  reservoirVersion: number,
  index: number,
  isStartingVersion: boolean,
): DeltaSourceOffset {
  return { sourceVersion: 1, reservoirId, reservoirVersion, index, isStartingVersion };
}

function sameOffset(a: DeltaSourceOffset, b: DeltaSourceOffset): boolean {
  return a.reservoirVersion === b.reservoirVersion && a.index === b.index &&
    a.isStartingVersion === b.isStartingVersion;
}

/** Orders positions: by version, the snapshot before the commits of the same version, then index. */
function compare(
  a: { version?: number; reservoirVersion?: number; index: number; isStartingVersion: boolean },
  b: DeltaSourceOffset,
): number {
  const av = a.version ?? a.reservoirVersion!;
  if (av !== b.reservoirVersion) return av - b.reservoirVersion;
  if (a.isStartingVersion !== b.isStartingVersion) return a.isStartingVersion ? -1 : 1;
  return a.index - b.index;
}

/** Files in write order: by modification time, then path. */
function byWrite(a: AddAction, b: AddAction): number {
  return (a.modificationTime - b.modificationTime) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
