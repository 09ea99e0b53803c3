/**
 * The `_delta_log` directory: file names, listing, reading commits and
 * creating a new commit atomically (put-if-absent through the storage).
 *
 * @module
 */
import { type Commit, parseCommit } from "./actions.ts";
import { readText, type Storage } from "./storage/mod.ts";
/** Name of the log directory inside a table. */
export const LOG_DIR = "_delta_log";

/** `_delta_log/{version:020d}.json` relative to the log directory. */
export function commitFileName(version: number): string {
  return `${String(version).padStart(20, "0")}.json`;
}

/** `{version:020d}.checkpoint.parquet`. */
export function checkpointFileName(version: number): string {
  return `${String(version).padStart(20, "0")}.checkpoint.parquet`;
}

/** A checkpoint found in the log directory (single file or all its parts). */
export interface CheckpointFiles {
  /** The version the checkpoint covers. */
  version: number;
  /** Paths of its parquet files, relative to the table root. */
  paths: string[];
}

/** What the log directory holds. */
export interface LogListing {
  /** Versions of JSON commits, ascending. */
  commits: number[];
  /** Complete checkpoints, newest first. */
  checkpoints: CheckpointFiles[];
}

const COMMIT_RE = /^(\d{20})\.json$/;
const CHECKPOINT_RE = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART_RE = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;

/**
 * Lists the commits and complete checkpoints of a table's log, ignoring
 * everything else (`.crc`, `.tmp/`, temporary files). Returns null when the
 * log holds no file at all.
 */
export async function listLog(storage: Storage): Promise<LogListing | null> {
  const paths = await storage.listPaths(`${LOG_DIR}/`);
  if (paths.length === 0) return null;
  return parseLogNames(
    paths.map((path) => path.slice(LOG_DIR.length + 1)).filter((n) => !n.includes("/")),
  );
}

/**
 * The commits and complete checkpoints among the names of files in a log
 * directory (checkpoint paths are relative to the table root).
 */
export function parseLogNames(names: string[]): LogListing {
  const commits: number[] = [];
  const single = new Map<number, string>();
  const parts = new Map<number, { total: number; files: Map<number, string> }>();
  for (const name of names) {
    let m = COMMIT_RE.exec(name);
    if (m) {
      commits.push(Number(m[1]));
      continue;
    }
    m = CHECKPOINT_RE.exec(name);
    if (m) {
      single.set(Number(m[1]), logPath(name));
      continue;
    }
    m = MULTIPART_RE.exec(name);
    if (m) {
      const version = Number(m[1]);
      const total = Number(m[3]);
      const group = parts.get(version) ?? { total, files: new Map() };
      group.files.set(Number(m[2]), logPath(name));
      parts.set(version, group);
    }
  }
  commits.sort((a, b) => a - b);
  const checkpoints: CheckpointFiles[] = [...single].map(([version, path]) => ({
    version,
    paths: [path],
  }));
  for (const [version, group] of parts) {
    if (single.has(version) || group.files.size !== group.total) continue;
    const paths = [...group.files].sort((a, b) => a[0] - b[0]).map(([, path]) => path);
    checkpoints.push({ version, paths });
  }
  checkpoints.sort((a, b) => b.version - a.version);
  return { commits, checkpoints };
}

/** The path of log file `name` relative to the table root. */
export function logPath(name: string): string {
  return `${LOG_DIR}/${name}`;
}

/** Reads and parses commit `version`, or returns null when it does not exist. */
export async function readCommit(storage: Storage, version: number): Promise<Commit | null> {
  const name = commitFileName(version);
  const text = await readText(storage, logPath(name));
  if (text === null) return null;
  return parseCommit(text, `commit ${version} (${name})`);
}

/** The content of `_delta_log/_last_checkpoint`. */
export interface LastCheckpoint {
  /** Version of the newest checkpoint. */
  version: number;
  /** Number of actions (rows) in it. */
  size: number;
  /** Number of parts, when multi-part. */
  parts?: number;
  /** Size of the checkpoint in bytes. */
  sizeInBytes?: number;
  /** Number of add actions in it. */
  numOfAddFiles?: number;
}

/** Reads `_last_checkpoint`, or null when it is absent or unreadable. */
export async function readLastCheckpoint(storage: Storage): Promise<LastCheckpoint | null> {
  try {
    const text = await readText(storage, logPath("_last_checkpoint"));
    if (text === null) return null;
    const value = JSON.parse(text);
    return typeof value?.version === "number" ? value as LastCheckpoint : null;
  } catch {
    return null;
  }
}
