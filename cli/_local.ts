/**
 * What the commands start when no endpoint is given: the local Kinesis
 * emulator, a client for it (or for the given endpoint, or AWS), and the API
 * proxy. One place, so `api`, `emit` and `stream` behave alike.
 *
 * @module
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Config } from "../lib/config.ts";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { type Emulator, startEmulator } from "../lib/kinesis/emulator.ts";
import { type ApiServer, serveApi } from "../lib/api/app.ts";

/** A Kinesis client, and the emulator behind it when this process started one. */
export interface KinesisConnection {
  kinesis: KinesisClient;
  /** The endpoint, or undefined for AWS. */
  endpoint: string | undefined;
  /** Set when this process started the emulator. */
  emulator: Emulator | undefined;
  /** Destroys the client and stops the emulator it started. */
  close(): Promise<void>;
}

/** Options of {@linkcode connectKinesis}. */
export interface ConnectKinesisOptions {
  /** Port of an emulator started here when `KINESIS_PORT` is unset (default 0: any free port). */
  defaultPort?: number;
  /** The emulator keeps its streams in this directory (default: none, they live while it runs). */
  persistDir?: string;
  /** The client's attempts per call (default the SDK's). */
  maxAttempts?: number;
  /** Where the line saying an emulator started goes (default `console.log`). */
  log?: (line: string) => void;
}

/**
 * Connects to `KINESIS_ENDPOINT`, to AWS with `--aws`, or else starts the
 * local emulator (on `KINESIS_PORT` when set, otherwise on `defaultPort`,
 * where 0 means any free port).
 */
export async function connectKinesis(
  config: Config,
  options: ConnectKinesisOptions = {},
): Promise<KinesisConnection> {
  const { defaultPort = 0, persistDir, maxAttempts, log = console.log } = options;
  let emulator: Emulator | undefined;
  let endpoint = config.kinesisEndpoint;
  if (endpoint === undefined && !config.aws) {
    const port = Deno.env.get("KINESIS_PORT") ? config.kinesisPort : defaultPort;
    emulator = await startEmulator({ port, persistDir });
    endpoint = emulator.endpoint;
    log(
      `Started the local Kinesis emulator at ${endpoint} (kinesis-local, hosted by ${emulator.host})` +
        (persistDir === undefined ? "" : `, keeping its streams in ${persistDir}`),
    );
  }
  const kinesis = createKinesisClient({ endpoint, region: config.region, maxAttempts });
  return {
    kinesis,
    endpoint,
    emulator,
    async close() {
      kinesis.destroy();
      await emulator?.stop();
    },
  };
}

/** Serves the API proxy on `API_PORT` when set, otherwise on `defaultPort` (0: any free port). */
export function startApi(
  kinesis: KinesisClient,
  config: Config,
  options: { defaultPort?: number; onLog?: (line: string) => void } = {},
): ApiServer {
  const port = Deno.env.get("API_PORT") ? config.apiPort : options.defaultPort ?? 0;
  return serveApi(kinesis, { port, apiKey: config.apiKey, onLog: options.onLog });
}
