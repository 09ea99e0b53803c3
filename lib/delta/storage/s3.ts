/**
 * S3 as a {@linkcode Storage}: `s3://bucket/prefix`, with the SDK's default
 * credential chain, region from `AWS_REGION` and endpoint from
 * `AWS_ENDPOINT_URL_S3` (path-style addressing when an endpoint is given).
 *
 * Put-if-absent is a conditional `PutObject` with `If-None-Match: *`. A 412
 * means the key exists; a 409 (a concurrent conditional write) or an error
 * whose outcome is unknown (timeout, connection reset, 5xx) means the key
 * is read back and compared with what was sent before deciding. Before the
 * first conditional write to a bucket the store is probed once per process;
 * a store that ignores the header is refused with {@linkcode UnsafeStoreError}
 * unless `AWS_S3_ALLOW_UNSAFE_RENAME=true`.
 *
 * @module
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { FileInfo, Storage } from "./storage.ts";

/** The setting that lets a single writer use a store without conditional writes. */
export const ALLOW_UNSAFE_RENAME_ENV = "AWS_S3_ALLOW_UNSAFE_RENAME";

/** Uploads above this size are multipart. */
const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** Part size of multipart uploads (S3's minimum is 5 MiB). */
const PART_SIZE = 8 * 1024 * 1024;
/** Attempts of a conditional write whose outcome stayed unknown. */
const CONDITIONAL_ATTEMPTS = 5;

/**
 * The store at a location does not honour conditional writes
 * (`If-None-Match: *`), so concurrent writers could overwrite each other's
 * commits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnsafeStoreError } from "./s3.ts";
 * assert.equal(new UnsafeStoreError("x").name, "UnsafeStoreError");
 * ```
 */
export class UnsafeStoreError extends Error {
  /** Makes the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnsafeStoreError";
  }
}

/** Options of {@linkcode createS3Client}. */
export interface S3ClientOptions {
  /** Endpoint URL. Default env `AWS_ENDPOINT_URL_S3`, else the SDK's AWS endpoint. */
  endpoint?: string;
  /** Region. Default env `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Socket timeout per request in ms. Default 30000. */
  requestTimeoutMs?: number;
}

const clients = new Map<string, S3Client>();

function isLocalHost(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host.startsWith("127.") || host === "[::1]";
  } catch {
    return false;
  }
}

/**
 * An S3 client (one per endpoint and region per process): the HTTP/1.1
 * `NodeHttpHandler`, path-style addressing when an endpoint is given, the
 * SDK's default credentials (dummy ones for a local endpoint when the
 * environment has none, since a local S3 does not check them).
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const {
    endpoint = Deno.env.get("AWS_ENDPOINT_URL_S3") || undefined,
    region = Deno.env.get("AWS_REGION") || "us-east-1",
    requestTimeoutMs = 30_000,
  } = options;
  const key = `${endpoint ?? ""}|${region}|${requestTimeoutMs}`;
  let client = clients.get(key);
  if (client) return client;
  const envHasKeys = Deno.env.get("AWS_ACCESS_KEY_ID") !== undefined ||
    Deno.env.get("AWS_PROFILE") !== undefined;
  client = new S3Client({
    region,
    endpoint,
    forcePathStyle: endpoint !== undefined,
    credentials: endpoint !== undefined && isLocalHost(endpoint) && !envHasKeys
      ? { accessKeyId: "local", secretAccessKey: "local" }
      : undefined,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      requestTimeout: requestTimeoutMs,
      connectionTimeout: 5_000,
    }),
  });
  clients.set(key, client);
  return client;
}

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? "";
}

function isNotFound(error: unknown): boolean {
  return status(error) === 404 || errorName(error) === "NoSuchKey" ||
    errorName(error) === "NotFound";
}

/** Per bucket (and endpoint): whether it honours `If-None-Match: *`, probed once. */
const probes = new Map<string, Promise<boolean>>();

/** A prefix of a bucket. */
export class S3Storage implements Storage {
  /** `s3://bucket/prefix`, without a trailing slash. */
  readonly location: string;
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix of the root, empty or ending with `/`. */
  readonly prefix: string;
  #client: S3Client;
  #endpoint: string;

  /** A storage rooted at `location` (`s3://bucket/prefix`). */
  constructor(location: string, options: S3ClientOptions = {}) {
    const m = /^s3a?:\/\/([^/]+)\/?(.*)$/i.exec(location);
    if (!m || m[1] === "") {
      throw new TypeError(`Cannot use "${location}": expected s3://bucket/prefix`);
    }
    this.bucket = m[1]!;
    const prefix = m[2]!.replace(/\/+$/, "");
    this.prefix = prefix === "" ? "" : `${prefix}/`;
    this.location = `s3://${this.bucket}${prefix === "" ? "" : `/${prefix}`}`;
    this.#client = createS3Client(options);
    this.#endpoint = options.endpoint ?? Deno.env.get("AWS_ENDPOINT_URL_S3") ?? "aws";
  }

  /** See {@linkcode Storage.localPath}: always null. */
  localPath(_path: string): null {
    return null;
  }

  /** See {@linkcode Storage.list}. */
  async list(prefix = ""): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith("/")) continue;
        out.push({
          path: object.Key.slice(this.prefix.length),
          size: object.Size ?? 0,
          lastModified: object.LastModified?.getTime() ?? 0,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** See {@linkcode Storage.listPaths}: the same request as {@linkcode list}. */
  async listPaths(prefix = ""): Promise<string[]> {
    return (await this.list(prefix)).map((file) => file.path);
  }

  /** See {@linkcode Storage.read}. */
  async read(path: string): Promise<Uint8Array | null> {
    try {
      const object = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }),
      );
      return await object.Body!.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** See {@linkcode Storage.write}: one PUT, or a multipart upload above 16 MiB. */
  async write(path: string, data: Uint8Array | string): Promise<void> {
    const bytes = bytesOf(data);
    const Key = this.prefix + path;
    if (bytes.length <= MULTIPART_THRESHOLD) {
      await this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes }));
      return;
    }
    const { UploadId } = await this.#client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }),
    );
    try {
      const parts: Array<{ ETag: string | undefined; PartNumber: number }> = [];
      for (let offset = 0, n = 1; offset < bytes.length; offset += PART_SIZE, n++) {
        const part = await this.#client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key,
            UploadId,
            PartNumber: n,
            Body: bytes.subarray(offset, offset + PART_SIZE),
          }),
        );
        parts.push({ ETag: part.ETag, PartNumber: n });
      }
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.#client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }),
      ).catch(() => {});
      throw error;
    }
  }

  /**
   * See {@linkcode Storage.writeIfAbsent}: `PutObject` with
   * `If-None-Match: *`, after the bucket passed the conditional-write probe.
   * When the answer is a 412, a 409 or unknown, the key is read back: equal
   * bytes mean this write made it (true), other bytes mean another writer's
   * (false), no key means try again.
   */
  async writeIfAbsent(path: string, data: Uint8Array | string): Promise<boolean> {
    const bytes = bytesOf(data);
    const safe = await this.#honoursConditionalWrites();
    if (!safe) {
      if (await this.stat(path)) return false;
      await this.write(path, bytes);
      return true;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < CONDITIONAL_ATTEMPTS; attempt++) {
      try {
        if (await this.#putIfNoneMatch(path, bytes)) return true;
      } catch (error) {
        // 409 ConditionalRequestConflict, a timeout, a reset: the outcome is unknown.
        if (status(error) !== undefined && status(error)! < 500 && status(error) !== 409) {
          throw error;
        }
        lastError = error;
      }
      // 412, or unknown: what is there now decides. A retried request may
      // have succeeded before a 412, so even a 412 is checked.
      const there = await this.read(path);
      if (there !== null) return sameBytes(there, bytes);
    }
    throw new Error(
      `Cannot write ${this.location}/${path}: the outcome stayed unknown after ` +
        `${CONDITIONAL_ATTEMPTS} attempts`,
      { cause: lastError },
    );
  }

  /** See {@linkcode Storage.delete}. */
  async delete(path: string): Promise<void> {
    await this.#client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }),
    );
  }

  /** See {@linkcode Storage.stat}. */
  async stat(path: string): Promise<FileInfo | null> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }),
      );
      return {
        path,
        size: head.ContentLength ?? 0,
        lastModified: head.LastModified?.getTime() ?? 0,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** True when written, false on 412; throws anything else. */
  async #putIfNoneMatch(path: string, bytes: Uint8Array): Promise<boolean> {
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + path,
          Body: bytes,
          IfNoneMatch: "*",
        }),
      );
      return true;
    } catch (error) {
      if (status(error) === 412 || errorName(error) === "PreconditionFailed") return false;
      throw error;
    }
  }

  /**
   * Probes the bucket once per process: a probe object written twice with
   * `If-None-Match: *` must be refused the second time. Throws
   * {@linkcode UnsafeStoreError} when it is not, unless the unsafe setting
   * is on (then false).
   */
  async #honoursConditionalWrites(): Promise<boolean> {
    const key = `${this.#endpoint}|${this.bucket}`;
    let probe = probes.get(key);
    if (!probe) {
      probe = this.#probe();
      probes.set(key, probe);
      probe.catch(() => probes.delete(key));
    }
    if (await probe) return true;
    if ((Deno.env.get(ALLOW_UNSAFE_RENAME_ENV) ?? "").toLowerCase() === "true") return false;
    throw new UnsafeStoreError(
      `Cannot commit to ${this.location}: the store does not honour conditional writes ` +
        `(a second PUT with If-None-Match: * was not refused), so concurrent writers could ` +
        `overwrite each other's commits; set ${ALLOW_UNSAFE_RENAME_ENV}=true to allow a single ` +
        "writer at your own risk",
    );
  }

  async #probe(): Promise<boolean> {
    const path = `.pinstream-probe-${crypto.randomUUID()}`;
    const bytes = new TextEncoder().encode("probe");
    try {
      if (!await this.#putIfNoneMatch(path, bytes)) return false;
      return !await this.#putIfNoneMatch(path, bytes);
    } finally {
      await this.delete(path).catch(() => {});
    }
  }
}
