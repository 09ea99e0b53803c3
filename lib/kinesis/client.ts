/**
 * The Kinesis client factory: one place that decides the endpoint, region,
 * credentials and HTTP handler of every Kinesis call pinstream makes.
 *
 * @module
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent } from "node:http";

/** Options of {@linkcode createKinesisClient}. */
export interface KinesisClientOptions {
  /**
   * Endpoint override, e.g. `http://127.0.0.1:4568` for the local emulator.
   * Default: the SDK's regional AWS endpoint.
   */
  endpoint?: string;
  /** AWS region (default `us-east-1`). */
  region?: string;
  /**
   * Credentials. Default: the SDK's default provider chain, except for a
   * local endpoint (localhost or 127.0.0.1) where static dummy credentials
   * are used when the chain has none, since the emulator does not check them.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call, including the first (default 3, the SDK's). */
  maxAttempts?: number;
  /** Socket timeout per request in ms (default 30000). */
  requestTimeoutMs?: number;
}

/**
 * Creates a Kinesis client. It uses the HTTP/1.1 `NodeHttpHandler` with
 * keep-alive: the SDK's default handler fails against a plain-HTTP emulator
 * under Deno.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createKinesisClient } from "./client.ts";
 * const kinesis = createKinesisClient({ endpoint: "http://127.0.0.1:4568" });
 * assert.equal(await kinesis.config.region(), "us-east-1");
 * kinesis.destroy();
 * ```
 */
export function createKinesisClient(options: KinesisClientOptions = {}): KinesisClient {
  const {
    endpoint,
    region = "us-east-1",
    credentials,
    maxAttempts = 3,
    requestTimeoutMs = 30_000,
  } = options;
  const local = endpoint !== undefined && isLocalEndpoint(endpoint);
  const envHasKeys = Deno.env.get("AWS_ACCESS_KEY_ID") !== undefined ||
    Deno.env.get("AWS_PROFILE") !== undefined;
  return new KinesisClient({
    region,
    endpoint,
    maxAttempts,
    credentials: credentials ??
      (local && !envHasKeys ? { accessKeyId: "local", secretAccessKey: "local" } : undefined),
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
      requestTimeout: requestTimeoutMs,
      connectionTimeout: 5_000,
    }),
  });
}

/**
 * Whether an endpoint URL points at this machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLocalEndpoint } from "./client.ts";
 * assert.equal(isLocalEndpoint("http://127.0.0.1:4568"), true);
 * assert.equal(isLocalEndpoint("https://kinesis.us-east-1.amazonaws.com"), false);
 * ```
 */
export function isLocalEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host.startsWith("127.") || host === "[::1]";
  } catch {
    return false;
  }
}
