/**
 * Log retention («Metadata Cleanup»): once a checkpoint exists, JSON
 * commits and checkpoints older than `delta.logRetentionDuration` (default
 * 30 days) are deleted, keeping the newest checkpoint at or before the
 * cutoff, its commit and everything after them. Without a checkpoint nothing
 * is deleted. Ages are the log files' modification times. A checkpoint is
 * kept as the oldest state only once it has been read in full (every row),
 * so a damaged one never replaces the commits it was meant to.
 *
 * @module
 */
import { commitFileName, LOG_DIR, logPath, parseLogNames } from "./log.ts";
import { readFullCheckpoint } from "./checkpoint.ts";
import { openStorage, type Storage } from "./storage/mod.ts";

/** The default `delta.logRetentionDuration`. */
export const DEFAULT_LOG_RETENTION = "interval 30 days";

const UNIT_MS: Record<string, number> = {
  week: 7 * 86_400_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1_000,
  millisecond: 1,
  microsecond: 0.001,
};

/**
 * Parses a table property interval such as `interval 30 days`,
 * `interval 1 day 12 hours` or `2 weeks` into milliseconds. Throws a
 * `RangeError` naming what is allowed.
 */
export function parseInterval(value: string): number {
  const words = value.trim().toLowerCase().replace(/^interval\s+/, "").split(/\s+/);
  let ms = 0;
  const bad = () =>
    new RangeError(
      `Invalid interval "${value}": expected such as "interval 30 days", with units ` +
        "weeks, days, hours, minutes, seconds, milliseconds or microseconds",
    );
  if (words.length === 0 || words.length % 2 !== 0) throw bad();
  for (let i = 0; i < words.length; i += 2) {
    const n = Number(words[i]);
    const unit = UNIT_MS[words[i + 1]!.replace(/s$/, "")];
    if (!Number.isFinite(n) || n < 0 || unit === undefined) throw bad();
    ms += n * unit;
  }
  return ms;
}

/** Options of {@linkcode cleanupExpiredLogs}. */
export interface CleanupOptions {
  /** Keep log files younger than this many milliseconds (see {@linkcode logRetentionMs}). */
  retentionMs: number;
  /** The current time in epoch milliseconds. Default `Date.now()`. */
  now?: number;
}

/** What a log cleanup did. */
export interface CleanupResult {
  /** The checkpoint kept as the oldest state, or null when nothing could be deleted. */
  checkpoint: number | null;
  /** Names of the `_delta_log` files deleted, sorted. */
  deleted: string[];
}

/** True when `delta.enableExpiredLogCleanup` (default true) allows log cleanup. */
export function logCleanupEnabled(configuration: Record<string, string>): boolean {
  return (configuration["delta.enableExpiredLogCleanup"] ?? "true").trim().toLowerCase() !==
    "false";
}

/** The log retention of a table's properties in milliseconds. */
export function logRetentionMs(configuration: Record<string, string>): number {
  return parseInterval(configuration["delta.logRetentionDuration"] ?? DEFAULT_LOG_RETENTION);
}

const VERSIONED_RE =
  /^(\d{20})\.(?:json|crc|checkpoint\.parquet|checkpoint\.\d{10}\.\d{10}\.parquet)$/;

/**
 * Deletes expired log files of the table `table` (a location or a storage): the cutoff commit
 * is the newest commit such that it and every commit before it were
 * modified at or before `now - retentionMs`; the newest checkpoint at or
 * before it that reads in full is kept with everything after it, and older
 * `.json`, checkpoint and `.crc` files are deleted. It does not look at
 * table properties: callers check {@linkcode logCleanupEnabled}.
 */
export async function cleanupExpiredLogs(
  table: string | Storage,
  options: CleanupOptions,
): Promise<CleanupResult> {
  const storage = typeof table === "string" ? openStorage(table) : table;
  const { retentionMs, now = Date.now() } = options;
  if (!(retentionMs >= 0)) {
    throw new RangeError(`Cannot clean up the log: retention ${retentionMs} ms must be >= 0`);
  }
  // One listing serves the whole cleanup: an object store's has the files'
  // times; a local one is read by name, and commits are stat'ed below.
  const files = storage.localPath(LOG_DIR) === null ? await storage.list(`${LOG_DIR}/`) : null;
  const paths = files?.map((f) => f.path) ?? await storage.listPaths(`${LOG_DIR}/`);
  const names = paths.map((path) => path.slice(LOG_DIR.length + 1)).filter((n) => !n.includes("/"));
  const none: CleanupResult = { checkpoint: null, deleted: [] };
  const listing = parseLogNames(names);
  if (listing.checkpoints.length === 0) return none;
  const cutoff = now - retentionMs;
  // Commits are looked at oldest first and only until one is too recent,
  // so locally a log with nothing to delete costs one stat, not one per file.
  const listed = files ? new Map(files.map((f) => [f.path, f.lastModified])) : null;
  const modified = async (path: string) =>
    listed ? listed.get(path) : (await storage.stat(path))?.lastModified;
  let cutoffCommit = -1;
  for (const version of listing.commits) {
    if (version !== cutoffCommit + 1 && cutoffCommit >= 0) break;
    const mtime = await modified(logPath(commitFileName(version)));
    if (mtime === undefined || mtime > cutoff) break;
    cutoffCommit = version;
  }
  let kept: number | null = null;
  for (const checkpoint of listing.checkpoints) { // newest first
    if (checkpoint.version > cutoffCommit) continue;
    try {
      await readFullCheckpoint(storage, checkpoint.paths);
    } catch {
      continue; // unreadable or damaged: an older one must hold the state
    }
    kept = checkpoint.version;
    break;
  }
  if (kept === null || kept === 0) return { checkpoint: kept, deleted: [] };
  const deleted: string[] = [];
  for (const name of names) {
    const m = VERSIONED_RE.exec(name);
    if (!m || Number(m[1]) >= kept) continue;
    await storage.delete(`${LOG_DIR}/${name}`);
    deleted.push(name);
  }
  return { checkpoint: kept, deleted: deleted.sort() };
}
