/**
 * The `_delta_log` directory: file names, listing, reading commits and
 * creating a new commit atomically (put-if-absent with `link`).
 *
 * @module
 */
import { join } from "node:path";
import { type Commit, parseCommit } from "./actions.ts";

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
  /** Absolute paths of its parquet files. */
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
 * Lists the commits and complete checkpoints of a log directory, ignoring
 * everything else (`.crc`, `.tmp/`, temporary files). Returns null when the
 * directory does not exist.
 */
export async function listLog(logDir: string): Promise<LogListing | null> {
  const commits: number[] = [];
  const single = new Map<number, string>();
  const parts = new Map<number, { total: number; files: Map<number, string> }>();
  try {
    for await (const entry of Deno.readDir(logDir)) {
      if (!entry.isFile) continue;
      const name = entry.name;
      let m = COMMIT_RE.exec(name);
      if (m) {
        commits.push(Number(m[1]));
        continue;
      }
      m = CHECKPOINT_RE.exec(name);
      if (m) {
        single.set(Number(m[1]), join(logDir, name));
        continue;
      }
      m = MULTIPART_RE.exec(name);
      if (m) {
        const version = Number(m[1]);
        const total = Number(m[3]);
        const group = parts.get(version) ?? { total, files: new Map() };
        group.files.set(Number(m[2]), join(logDir, name));
        parts.set(version, group);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
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

/** Reads and parses commit `version`, or returns null when it does not exist. */
export async function readCommit(logDir: string, version: number): Promise<Commit | null> {
  const name = commitFileName(version);
  let text: string;
  try {
    text = await Deno.readTextFile(join(logDir, name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return parseCommit(text, `commit ${version} (${name})`);
}

/**
 * Creates `path` with `content` only if it does not exist yet, atomically:
 * readers never see a partial file. Writes a temporary file beside it, then
 * `link`s it to the final name (which fails when the name is taken) and
 * removes the temporary file. Returns false when the file already existed.
 */
export async function putIfAbsent(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, content, { createNew: true });
  try {
    await Deno.link(tmp, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/**
 * Replaces `path` with `content` atomically (temporary file and rename), for
 * files that may be overwritten such as `_last_checkpoint`.
 */
export async function replaceFile(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  if (typeof content === "string") await Deno.writeTextFile(tmp, content);
  else await Deno.writeFile(tmp, content);
  try {
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
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
export async function readLastCheckpoint(logDir: string): Promise<LastCheckpoint | null> {
  try {
    const value = JSON.parse(await Deno.readTextFile(join(logDir, "_last_checkpoint")));
    return typeof value?.version === "number" ? value as LastCheckpoint : null;
  } catch {
    return null;
  }
}
