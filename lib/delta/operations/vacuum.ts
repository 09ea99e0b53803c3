/**
 * VACUUM over a snapshot: deletes data files the snapshot does not
 * reference and that are older than the retention, and reports exactly
 * what it deleted and what it could not.
 *
 * @module
 */
import type { Snapshot } from "../snapshot.ts";
import { decodeAddPath } from "../partition.ts";

const HOUR_MS = 3_600_000;
/** The default and minimum safe vacuum retention: 7 days. */
export const DEFAULT_RETENTION_HOURS = 168;

/** Options of {@linkcode vacuumSnapshot}. */
export interface VacuumOptions {
  /** Keep unreferenced files younger than this many hours. Default 168 (7 days). */
  retentionHours?: number;
  /** Allow a retention below 168 hours (may break readers of old versions). Default false. */
  force?: boolean;
  /** List what would be deleted without deleting. Default false. */
  dryRun?: boolean;
  /** The current time in epoch milliseconds. Default: the table's clock. */
  now?: number;
}

/** A file vacuum could not delete. */
export interface VacuumFailure {
  /** Its path relative to the table root. */
  path: string;
  /** Why, as the store said. */
  error: string;
}

/** What a vacuum did (or would do, on a dry run). */
export interface VacuumResult {
  /** True when nothing was deleted because it was a dry run. */
  dryRun: boolean;
  /** Paths, relative to the table root, deleted (or to delete, on a dry run). */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
  /** Files that were to be deleted but could not be (never in `files`). */
  failed: VacuumFailure[];
}

/** True for a path vacuum must never touch: a segment starting with `_` or `.`. */
function hidden(path: string): boolean {
  return path.split("/").some((segment) => segment.startsWith("_") || segment.startsWith("."));
}

/**
 * Throws `RangeError` for a retention that is not a number >= 0, or below
 * 168 hours without `force`.
 */
export function checkVacuumOptions(options: VacuumOptions): void {
  const { retentionHours = DEFAULT_RETENTION_HOURS, force = false } = options;
  if (typeof retentionHours !== "number" || !(retentionHours >= 0)) {
    throw new RangeError(`Cannot vacuum: retentionHours ${retentionHours} must be a number >= 0`);
  }
  if (retentionHours < DEFAULT_RETENTION_HOURS && !force) {
    throw new RangeError(
      `Cannot vacuum with a retention of ${retentionHours} hours: less than ` +
        `${DEFAULT_RETENTION_HOURS} hours can delete files that readers of recent versions or ` +
        "writers in flight still need; pass force to do it anyway",
    );
  }
}

/**
 * Deletes unreferenced data files of `snapshot` (which should be current)
 * older than the retention (a removed file's age counts from its removal,
 * an untracked file's from its modification time). Never touches
 * `_delta_log` or paths with a segment starting with `_` or `.`. A
 * retention below 168 hours is refused (`RangeError`) unless `force`.
 */
export async function vacuumSnapshot(
  snapshot: Snapshot,
  options: VacuumOptions & { now: number },
): Promise<VacuumResult> {
  const { retentionHours = DEFAULT_RETENTION_HOURS, dryRun = false, now } = options;
  checkVacuumOptions(options);
  const live = new Set(snapshot.files.map((a) => decodeAddPath(a.path)));
  const removedAt = new Map(
    snapshot.tombstones.map((r) => [decodeAddPath(r.path), r.deletionTimestamp ?? 0]),
  );
  const cutoff = now - retentionHours * HOUR_MS;
  const candidates: Array<{ path: string; size: number }> = [];
  for (const file of await snapshot.storage.list("")) {
    if (hidden(file.path) || live.has(file.path)) continue;
    const age = removedAt.get(file.path) ?? file.lastModified;
    if (age > cutoff) continue;
    candidates.push(file);
  }
  if (dryRun) {
    return {
      dryRun,
      files: candidates.map((f) => f.path),
      bytes: candidates.reduce((sum, f) => sum + f.size, 0),
      failed: [],
    };
  }
  const files: string[] = [];
  const failed: VacuumFailure[] = [];
  let bytes = 0;
  for (const file of candidates) {
    try {
      await snapshot.storage.delete(file.path);
      files.push(file.path);
      bytes += file.size;
    } catch (error) {
      failed.push({
        path: file.path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { dryRun, files, bytes, failed };
}
