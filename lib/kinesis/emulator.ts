/**
 * The local Kinesis emulator's lifecycle: start `kinesis-local` (the
 * Scala.js build of kinesis-mock) on a given or free port, wait until it
 * answers, stop it and everything it started.
 *
 * Hosting: Node.js when it is on the machine, Deno otherwise. Hosted by Deno
 * 2.9.6 the emulator stalls on request bodies above about 190 KB (for example
 * a boto3 or AWS CLI PutRecords of 500 records of 300 bytes, or one record
 * near 1 MiB): the server never finishes reading the body and answers with a
 * 60 s read timeout. Hosted by Node the same requests take well under a
 * second, so Node is preferred; `host: "deno"` forces Deno.
 *
 * @module
 */
// Imported so that Deno installs the package before we run its main.js.
import kinesisLocalPackage from "kinesis-local/package.json" with { type: "json" };
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { sleep } from "../_util/sleep.ts";

/** How the emulator is hosted. */
export type EmulatorHost = "auto" | "node" | "deno";

/**
 * Which emulator: `kinesis-local` (the default, what users run: ON_DEMAND
 * streams, resharding, persistence) or `kinesalite` (much faster, in memory,
 * provisioned streams only: for benchmarks).
 */
export type EmulatorEngine = "kinesis-local" | "kinesalite";

/** The emulators {@linkcode startEmulator} can start. */
export const EMULATOR_ENGINES: readonly EmulatorEngine[] = ["kinesis-local", "kinesalite"];

/** Options of {@linkcode startEmulator}. */
export interface EmulatorOptions {
  /** Which emulator (default `kinesis-local`); kinesalite ignores `persistDir` and `logLevel`. */
  engine?: EmulatorEngine;
  /** Plain-HTTP port; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Persist streams and records to this directory, and load them on start
   * (default: off). The emulator writes its state there every second;
   * `stop()` waits for one more write, so that everything it acknowledged
   * before the stop survives a restart.
   */
  persistDir?: string;
  /** `auto` (default): Node when available, else Deno. */
  host?: EmulatorHost;
  /** Copy the emulator's log lines to this function (default: kept, shown only on failure). */
  onLog?: (line: string) => void;
  /** How long to wait for the emulator to answer, in ms (default 60000). */
  startTimeoutMs?: number;
  /** Emulator log level (default `WARN`). */
  logLevel?: "ERROR" | "WARN" | "INFO" | "DEBUG";
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The plain-HTTP port. */
  readonly port: number;
  /** The emulator's process id. */
  readonly pid: number;
  /** Which runtime hosts it. */
  readonly host: "node" | "deno";
  /** Which emulator it is. */
  readonly engine: EmulatorEngine;
  /** The emulator's package version. */
  readonly version: string;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number>;
  /**
   * Stops the emulator (SIGTERM, then SIGKILL after 1 s: kinesis-local does not
   * exit on SIGTERM by itself) and waits for it to exit.
   */
  stop(): Promise<void>;
  /** Same as stop(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The emulator's state file in `persistDir`. */
const PERSIST_FILE_NAME = "kinesis-data.json";
/** How often the emulator writes its state file. */
const PERSIST_INTERVAL_MS = 1_000;

let nodeAvailable: boolean | undefined;

/** Whether a `node` executable is on the PATH. */
export async function hasNode(): Promise<boolean> {
  if (nodeAvailable === undefined) {
    try {
      const out = await new Deno.Command("node", {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      })
        .output();
      nodeAvailable = out.success;
    } catch {
      nodeAvailable = false;
    }
  }
  return nodeAvailable;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Starts the emulator and waits until it answers a Kinesis call.
 *
 * @example
 * ```ts ignore
 * await using kinesisLocal = await startEmulator();
 * console.log(kinesisLocal.endpoint);
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  if (options.engine === "kinesalite") {
    if (options.persistDir !== undefined) {
      throw new TypeError("Cannot persist kinesalite's data: it keeps streams in memory only");
    }
    const { startKinesalite } = await import("./kinesalite.ts");
    return await startKinesalite(options);
  }
  if (options.engine !== undefined && options.engine !== "kinesis-local") {
    throw new TypeError(
      `Cannot start the emulator "${options.engine}": expected ${EMULATOR_ENGINES.join(" or ")}`,
    );
  }
  const {
    port: wanted = 0,
    persistDir,
    host: hostOption = "auto",
    onLog,
    startTimeoutMs = 60_000,
    logLevel = "WARN",
  } = options;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
    throw new RangeError(`Cannot start the emulator: port must be 0 to 65535, got ${wanted}`);
  }
  const port = wanted === 0 ? freePort() : wanted;
  const main = fileURLToPath(import.meta.resolve("kinesis-local/main.js"));
  const host = hostOption === "auto" ? (await hasNode() ? "node" : "deno") : hostOption;
  const env: Record<string, string> = {
    KINESIS_MOCK_PLAIN_PORT: String(port),
    KINESIS_MOCK_TLS_PORT: String(freePort()),
    KINESIS_MOCK_CERT_PATH: join(dirname(main), "server.json"),
    LOG_LEVEL: logLevel,
    // Streams become ACTIVE quickly, as they do in a test double.
    CREATE_STREAM_DURATION: "200ms",
    DELETE_STREAM_DURATION: "200ms",
    UPDATE_SHARD_COUNT_DURATION: "200ms",
  };
  let cwd = Deno.cwd();
  if (persistDir !== undefined) {
    const dir = resolve(persistDir);
    await Deno.mkdir(dir, { recursive: true });
    Object.assign(env, {
      SHOULD_PERSIST_DATA: "true",
      LOAD_DATA_IF_EXISTS: "true",
      PERSIST_PATH: dir,
      PERSIST_FILE_NAME,
      PERSIST_INTERVAL: `${PERSIST_INTERVAL_MS}ms`,
    });
    cwd = dir;
  }
  // In its own session, so that a Ctrl-C in the terminal reaches only us:
  // we stop the emulator after the queries have drained it.
  const detached = true;
  const command = host === "node"
    ? new Deno.Command("node", {
      args: [main],
      env,
      cwd,
      stdout: "piped",
      stderr: "piped",
      detached,
    })
    : new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", main],
      env,
      cwd,
      stdout: "piped",
      stderr: "piped",
      detached,
    });
  const child = command.spawn();
  const server = superviseServer(child, onLog);
  const { tail, exited } = server;
  const alive = server.alive;

  const persistFile = persistDir === undefined
    ? undefined
    : join(resolve(persistDir), PERSIST_FILE_NAME);
  const stop = async () => {
    if (alive() && persistFile) await waitForPersist(persistFile, alive);
    await server.terminate(1_000);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, startTimeoutMs, alive);
  } catch (error) {
    await stop();
    throw startFailure("the Kinesis emulator", port, error, tail);
  }
  return {
    endpoint,
    port,
    pid: child.pid,
    host,
    engine: "kinesis-local",
    version: kinesisLocalPackage.version,
    exited,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Waits until the emulator wrote its state file twice after this call (the
 * first write may have started before it) and the last write is over (the
 * file unchanged for a while): then it holds everything acknowledged before
 * the call. Gives up after a few intervals: an emulator that stopped
 * persisting must still be stoppable.
 */
async function waitForPersist(file: string, stillRunning: () => boolean): Promise<void> {
  const since = Date.now();
  const giveUpAt = since + 5 * PERSIST_INTERVAL_MS;
  const settleMs = PERSIST_INTERVAL_MS / 5;
  const writes = new Set<number>();
  let last = "";
  let stableSince = 0;
  while (Date.now() < giveUpAt && stillRunning()) {
    const stat = await Deno.stat(file).catch(() => undefined);
    const mtime = stat?.mtime?.getTime() ?? 0;
    if (mtime > since) {
      writes.add(mtime);
      const seen = `${mtime}/${stat?.size}`;
      if (seen !== last) {
        last = seen;
        stableSince = Date.now();
      } else if (writes.size >= 2 && Date.now() - stableSince >= settleMs) {
        return;
      }
    }
    await sleep(25);
  }
}

/** What {@linkcode discardEmulatorData} found and removed. */
export interface DiscardResult {
  /** Whether the directory held emulator data. */
  existed: boolean;
  /** The streams it held, with their record counts. */
  streams: { name: string; records: number }[];
  /** One line saying what was discarded. */
  message: string;
}

/**
 * Removes the state an emulator persisted in `persistDir` (its streams and
 * records), saying what it held. The emulator must not be running on it.
 */
export async function discardEmulatorData(persistDir: string): Promise<DiscardResult> {
  const dir = resolve(persistDir);
  const file = join(dir, PERSIST_FILE_NAME);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return { existed: false, streams: [], message: `No local Kinesis data in ${dir}` };
  }
  const streams: DiscardResult["streams"] = [];
  try {
    const state = JSON.parse(text) as {
      streams?: Record<string, { streamName?: string; shards?: Record<string, unknown[]> }>;
    };
    for (const stream of Object.values(state.streams ?? {})) {
      const records = Object.values(stream.shards ?? {}).reduce((n, r) => n + r.length, 0);
      streams.push({ name: stream.streamName ?? "?", records });
    }
  } catch {
    // An unreadable state file is discarded all the same.
  }
  await Deno.remove(file);
  const listed = streams.map((s) => `${s.name} (${s.records} records)`).join(", ");
  return {
    existed: true,
    streams,
    message: `Discarded the local Kinesis data in ${dir}: ${
      streams.length ? listed : "no streams"
    }`,
  };
}

/** Polls a Kinesis endpoint with ListStreams until it answers 200. */
export async function waitUntilAnswering(
  endpoint: string,
  timeoutMs: number,
  stillRunning: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (!stillRunning()) throw new Error("the emulator exited during start");
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "Kinesis_20131202.ListStreams",
          "x-amz-date": "20200101T000000Z",
          authorization:
            "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0",
        },
        body: "{}",
        signal: AbortSignal.timeout(2_000),
      });
      await res.body?.cancel();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(150);
  }
  throw new Error(`no answer within ${timeoutMs} ms (${last})`);
}

/** The error of a server that did not answer in time, with its last log lines. */
export function startFailure(
  what: string,
  port: number,
  error: unknown,
  tail: readonly string[],
): Error {
  return new Error(
    `Cannot start ${what} on port ${port}: ${(error as Error).message}` +
      (tail.length ? `\n${tail.join("\n")}` : ""),
    { cause: error },
  );
}

/** A server process we spawned: its last log lines, its exit code, and a stop. */
export interface ServerProcess {
  /** The last 40 lines it logged, to explain a failed start. */
  readonly tail: readonly string[];
  /** Its exit code, once both its output streams are read to the end. */
  readonly exited: Promise<number>;
  /** Whether it is still running. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  terminate(graceMs: number): Promise<void>;
}

/** Reads `child`'s stdout and stderr line by line into `onLog` and a tail, and watches its exit. */
export function superviseServer(
  child: Deno.ChildProcess,
  onLog?: (line: string) => void,
): ServerProcess {
  const tail: string[] = [];
  const log = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    onLog?.(line);
  };
  const pumps = [pump(child.stdout, log), pump(child.stderr, log)];
  const exited = child.status.then(async (s) => {
    await Promise.allSettled(pumps);
    return s.code;
  });
  let running = true;
  exited.then(() => (running = false));
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  };
  return {
    tail,
    exited,
    alive: () => running,
    async terminate(graceMs: number) {
      if (running) {
        kill("SIGTERM");
        const timer = setTimeout(() => kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      } else {
        await exited;
      }
    },
  };
}

async function pump(stream: ReadableStream<Uint8Array>, log: (line: string) => void) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) log(line);
  }
  if (rest.trim()) log(rest);
}
