/**
 * The {@linkcode Storage} interface, locations (`path` or
 * `s3://bucket/prefix`) and helpers built on the interface.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { LocalStorage } from "./local.ts";
import { S3Storage } from "./s3.ts";

/** A file (object) in a storage. */
export interface FileInfo {
  /** Its path relative to the storage root, with `/` separators. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Last modification, epoch milliseconds. */
  lastModified: number;
}

/**
 * Files under one root location. Every method takes paths relative to the
 * root, with `/` separators.
 */
export interface Storage {
  /** The root: an absolute local path or `s3://bucket/prefix`. */
  readonly location: string;
  /** Files whose path starts with `prefix` (default all), at any depth, sorted by path. */
  list(prefix?: string): Promise<FileInfo[]>;
  /**
   * The paths of the files {@linkcode list} returns, without their size
   * and time: cheaper where those cost a call per file (a local directory
   * is read without a stat per file).
   */
  listPaths(prefix?: string): Promise<string[]>;
  /** The bytes of `path`, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Creates or replaces `path`; readers see the old or the new content, never a part. */
  write(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Creates `path` only if it does not exist, atomically; false when it
   * existed (another writer's file is never replaced).
   */
  writeIfAbsent(path: string, data: Uint8Array | string): Promise<boolean>;
  /** Deletes `path`; a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Size and modification time of `path`, or null when it does not exist. */
  stat(path: string): Promise<FileInfo | null>;
  /**
   * The local file system path of `path` when the storage is local (so
   * Polars and DuckDB can read it in place), else null.
   */
  localPath(path: string): string | null;
}

const S3_RE = /^s3a?:\/\//i;

/** True when `location` is an `s3://bucket/prefix` URL. */
export function isS3Location(location: string): boolean {
  return S3_RE.test(location);
}

/**
 * Joins path segments to a location: `s3://b/p` + `x` is `s3://b/p/x`, a
 * local path is joined as paths are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinLocation } from "./storage.ts";
 * assert.equal(joinLocation("s3://bucket/lake/", "default", "t"), "s3://bucket/lake/default/t");
 * ```
 */
export function joinLocation(location: string, ...parts: string[]): string {
  if (!isS3Location(location)) return join(location, ...parts);
  const base = location.replace(/\/+$/, "");
  const rest = parts.flatMap((p) => p.split("/")).filter((p) => p !== "" && p !== ".");
  if (rest.includes("..")) {
    throw new TypeError(`Cannot join "${parts.join("/")}" to ${location}: ".." is not allowed`);
  }
  return [base, ...rest].join("/");
}

/** An absolute form of `location`: local paths resolved, S3 URLs without a trailing slash. */
export function resolveLocation(location: string): string {
  return isS3Location(location) ? location.replace(/\/+$/, "") : resolve(location);
}

/**
 * The storage rooted at `location` (a path, or `s3://bucket/prefix` with
 * the S3 client of {@linkcode createS3Client}'s defaults).
 */
export function openStorage(location: string): Storage {
  if (typeof location !== "string" || location === "") {
    throw new TypeError("Cannot open storage: the location must be a non-empty string");
  }
  return isS3Location(location) ? new S3Storage(location) : new LocalStorage(location);
}

/** The text of `path` (UTF-8), or null when it does not exist. */
export async function readText(storage: Storage, path: string): Promise<string | null> {
  const bytes = await storage.read(path);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** Deletes every file under `prefix` (default all); returns how many. */
export async function deleteAll(storage: Storage, prefix = ""): Promise<number> {
  const files = await storage.list(prefix);
  for (const file of files) await storage.delete(file.path);
  if (storage instanceof LocalStorage) await storage.removeEmptyDirs(prefix);
  return files.length;
}
