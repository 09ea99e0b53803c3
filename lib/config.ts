/**
 * One typed, validated configuration for every pinstream command, read from
 * command-line flags and the environment (flags win), with defaults.
 *
 * An invalid value fails at start with a {@linkcode ConfigError} that names
 * the variable or flag, the value, and what is allowed.
 *
 * @module
 */
import { RECORD_KINDS, type RecordKind } from "./records.ts";

/** The default user id of the course's walkthrough. */
export const DEFAULT_USER_ID = "12c0d092d679";

/** The resolved configuration. */
export interface Config {
  /**
   * Names the streams and tables (`USER_ID`, default `12c0d092d679`).
   *
   * @default {"12c0d092d679"}
   */
  userId: string;
  /**
   * AWS region (`AWS_REGION`, default `us-east-1`).
   *
   * @default {"us-east-1"}
   */
  region: string;
  /**
   * Kinesis endpoint to use (`KINESIS_ENDPOINT`); when absent and `aws` is
   * false, commands start the local emulator themselves.
   *
   * @default {undefined}
   */
  kinesisEndpoint: string | undefined;
  /**
   * Use real AWS Kinesis with the SDK's default endpoint (`--aws`).
   *
   * @default {false}
   */
  aws: boolean;
  /**
   * Where the emitter posts (`API_URL`); when absent, the local API proxy.
   *
   * @default {undefined}
   */
  apiUrl: string | undefined;
  /**
   * Root of the Delta tables (`LAKEHOUSE_DIR`, default `./lakehouse`).
   *
   * @default {"./lakehouse"}
   */
  lakehouseDir: string;
  /**
   * Root of the streaming checkpoints (`CHECKPOINT_DIR`, default `./checkpoints`).
   *
   * @default {"./checkpoints"}
   */
  checkpointDir: string;
  /**
   * Where the local emulator that `deno task stream` starts keeps its
   * streams and records across restarts (`KINESIS_DATA_DIR`, default
   * `./kinesis-data`).
   *
   * @default {"./kinesis-data"}
   */
  kinesisDataDir: string;
  /**
   * Port of the local emulator (`KINESIS_PORT`, default 4568).
   *
   * @default {4568}
   */
  kinesisPort: number;
  /**
   * Port of the API proxy (`API_PORT`, default 8080).
   *
   * @default {8080}
   */
  apiPort: number;
  /**
   * API key the proxy requires in `x-api-key` (`API_KEY`); none by default.
   *
   * @default {undefined}
   */
  apiKey: string | undefined;
}

/** Raised when a flag or environment variable has an invalid value. */
export class ConfigError extends Error {
  /** The variable or flag, e.g. `USER_ID` or `--port`. */
  readonly variable: string;
  /** Creates a configuration error for `variable`. */
  constructor(variable: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

/** Flags that override the environment, as the commands parse them. */
export interface ConfigFlags {
  userId?: string;
  region?: string;
  endpoint?: string;
  aws?: boolean;
  api?: string;
  lakehouse?: string;
  checkpoints?: string;
  kinesisDataDir?: string;
  kinesisPort?: string | number;
  apiPort?: string | number;
  apiKey?: string;
}

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** Flags given on the command line (default none). */
  flags?: ConfigFlags;
  /** The environment to read (default `Deno.env.toObject()`). */
  env?: Record<string, string | undefined>;
}

/**
 * Reads and validates the configuration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig({ env: { USER_ID: "abc123" } });
 * assert.equal(config.userId, "abc123");
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const { flags = {}, env = Deno.env.toObject() } = options;
  const pick = (flag: string | number | undefined, name: string) =>
    flag !== undefined ? String(flag) : emptyToUndefined(env[name]);

  const userId = pick(flags.userId, "USER_ID") ?? DEFAULT_USER_ID;
  if (!/^[A-Za-z0-9]{1,64}$/.test(userId)) {
    throw invalid("USER_ID", userId, "1 to 64 letters or digits, like 12c0d092d679");
  }
  const region = pick(flags.region, "AWS_REGION") ?? "us-east-1";
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw invalid("AWS_REGION", region, "an AWS region name such as us-east-1");
  }
  const kinesisEndpoint = pick(flags.endpoint, "KINESIS_ENDPOINT");
  if (kinesisEndpoint !== undefined) checkUrl("KINESIS_ENDPOINT", kinesisEndpoint);
  const apiUrl = pick(flags.api, "API_URL");
  if (apiUrl !== undefined) checkUrl("API_URL", apiUrl);
  const aws = flags.aws ?? false;
  if (aws && kinesisEndpoint !== undefined) {
    throw new ConfigError(
      "--aws",
      `Cannot use --aws together with KINESIS_ENDPOINT "${kinesisEndpoint}": choose one`,
    );
  }
  const apiKey = pick(flags.apiKey, "API_KEY");
  return {
    userId,
    region,
    kinesisEndpoint: kinesisEndpoint?.replace(/\/+$/, ""),
    aws,
    apiUrl: apiUrl?.replace(/\/+$/, ""),
    lakehouseDir: pick(flags.lakehouse, "LAKEHOUSE_DIR") ?? "./lakehouse",
    checkpointDir: pick(flags.checkpoints, "CHECKPOINT_DIR") ?? "./checkpoints",
    kinesisDataDir: pick(flags.kinesisDataDir, "KINESIS_DATA_DIR") ?? "./kinesis-data",
    kinesisPort: parsePort("KINESIS_PORT", pick(flags.kinesisPort, "KINESIS_PORT"), 4568),
    apiPort: parsePort("API_PORT", pick(flags.apiPort, "API_PORT"), 8080),
    apiKey,
  };
}

/** The stream of a record kind: `streaming-<userId>-<kind>`. */
export function streamName(userId: string, kind: RecordKind): string {
  return `streaming-${userId}-${kind}`;
}

/** The three stream names, by kind. */
export function streamNames(userId: string): Record<RecordKind, string> {
  return Object.fromEntries(RECORD_KINDS.map((k) => [k, streamName(userId, k)])) as Record<
    RecordKind,
    string
  >;
}

/** The Delta table of a record kind: `<userId>_<kind>_table`. */
export function tableName(userId: string, kind: RecordKind): string {
  return `${userId}_${kind}_table`;
}

/**
 * Parses a port number (0 means any free port), naming the variable in the
 * error. Returns `fallback` for undefined.
 */
export function parsePort(variable: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw invalid(variable, value, "a port number from 0 to 65535");
  }
  return port;
}

function checkUrl(variable: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw invalid(variable, value, "an http:// or https:// URL", cause);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalid(variable, value, "an http:// or https:// URL");
  }
}

function invalid(variable: string, value: string, allowed: string, cause?: unknown): ConfigError {
  return new ConfigError(
    variable,
    `Invalid ${variable} "${value}": expected ${allowed}`,
    cause === undefined ? undefined : { cause },
  );
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
