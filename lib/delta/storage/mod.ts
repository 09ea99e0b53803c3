/**
 * The storage layer under Delta tables and streaming checkpoints: one small
 * interface ({@linkcode Storage}) over a root location, with two
 * implementations, the local file system ({@linkcode LocalStorage}) and S3
 * ({@linkcode S3Storage}). A location is a path or an `s3://bucket/prefix`
 * URL; {@linkcode openStorage} picks the implementation.
 *
 * Paths given to a storage are relative to its root and use `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStorage } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const storage = openStorage(dir);
 * assert.equal(await storage.writeIfAbsent("log/0.json", "{}"), true);
 * assert.equal(await storage.writeIfAbsent("log/0.json", "{}"), false);
 * assert.deepEqual((await storage.list("log/")).map((f) => f.path), ["log/0.json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  deleteAll,
  type FileInfo,
  isS3Location,
  joinLocation,
  openStorage,
  readText,
  resolveLocation,
  type Storage,
} from "./storage.ts";
export { LocalStorage } from "./local.ts";
export {
  ALLOW_UNSAFE_RENAME_ENV,
  createS3Client,
  type S3ClientOptions,
  S3Storage,
  UnsafeStoreError,
} from "./s3.ts";
