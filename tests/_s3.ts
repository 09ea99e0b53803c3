/**
 * Test fixture: a real local S3 (moto's server, `python3 -m moto.server`)
 * on a free port, with a bucket the test creates through the S3 client.
 * `AWS_ENDPOINT_URL_S3` points at it while the test runs, so
 * `s3://<bucket>/...` locations reach it; the server is stopped and the
 * variable restored at the end. Tests skip, saying so in one line, when
 * moto is not importable.
 *
 * @module
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { freePort } from "../lib/kinesis/emulator.ts";
import { createS3Client } from "../lib/delta/storage/mod.ts";
import { findPython } from "./_helpers.ts";

/** A Python that can run moto's server, or null. */
export const MOTO_PYTHON: string | null = await findPython(["moto.server"]);

const announced = new Set<string>();

/** `ignore` for a `Deno.test` that needs moto: true (and one line said once) when it is absent. */
export function skipWithoutMoto(what: string): boolean {
  if (MOTO_PYTHON) return false;
  if (!announced.has(what)) {
    announced.add(what);
    console.log(`skip: ${what}: moto is not importable in python3 (a local S3 is needed)`);
  }
  return true;
}

/** Options for `Deno.test` of tests that talk to the local S3 (keep-alive sockets outlive steps). */
export const S3_TEST = { sanitizeOps: false, sanitizeResources: false } as const;

/** A running moto server with one bucket. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The bucket created for the test. */
  bucket: string;
  /** `s3://<bucket>/<path>`. */
  url(path?: string): string;
  /** Starts a Deno process with the environment that reaches this S3. */
  env: Record<string, string>;
}

async function waitForServer(endpoint: string, process: Deno.ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(`${endpoint}/`);
      await response.body?.cancel();
      return;
    } catch {
      const exited = await Promise.race([
        process.status.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 100)),
      ]);
      if (exited) throw new Error("moto's server exited before it answered");
    }
  }
  throw new Error(`moto's server did not answer at ${endpoint}`);
}

/** Starts moto's server on a free port; `stop()` ends it. */
export async function startMoto(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  if (!MOTO_PYTHON) throw new Error("moto is not importable");
  const port = freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const process = new Deno.Command(MOTO_PYTHON, {
    args: ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      process.kill("SIGTERM");
    } catch {
      // already gone
    }
    await process.status;
  };
  try {
    await waitForServer(endpoint, process);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

/** Creates `bucket` at `endpoint`. */
export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  await createS3Client({ endpoint, region: "us-east-1" }).send(
    new CreateBucketCommand({ Bucket: bucket }),
  );
}

/**
 * Runs `fn` with a fresh moto server and bucket, with `AWS_ENDPOINT_URL_S3`
 * and `AWS_REGION` set for the storage layer; stops the server and restores
 * the environment afterwards whatever happens.
 */
export async function withLocalS3<T>(fn: (s3: LocalS3) => Promise<T>): Promise<T> {
  const moto = await startMoto();
  const saved = ["AWS_ENDPOINT_URL_S3", "AWS_REGION"].map((k) => [k, Deno.env.get(k)] as const);
  try {
    const bucket = `pinstream-test-${crypto.randomUUID().slice(0, 8)}`;
    await createBucket(moto.endpoint, bucket);
    Deno.env.set("AWS_ENDPOINT_URL_S3", moto.endpoint);
    Deno.env.set("AWS_REGION", "us-east-1");
    return await fn({
      endpoint: moto.endpoint,
      bucket,
      url: (path = "") => `s3://${bucket}${path ? `/${path}` : ""}`,
      env: { AWS_ENDPOINT_URL_S3: moto.endpoint, AWS_REGION: "us-east-1" },
    });
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) Deno.env.delete(key);
      else Deno.env.set(key, value);
    }
    await moto.stop();
  }
}
