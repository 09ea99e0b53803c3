/**
 * The fast Kinesis for benchmarks: `kinesalite` (pure JavaScript on an
 * in-memory LevelDB), started on a given or free port and stopped with
 * everything it holds.
 *
 * It serves PutRecords and GetRecords many times faster than kinesis-local,
 * so a benchmark measures pinstream rather than the emulator. It has no
 * ON_DEMAND streams and no UpdateShardCount: streams there are provisioned,
 * and `ensureStreams` creates them with the 4 shards that ON_DEMAND gets on
 * kinesis-local. The emulator users run stays kinesis-local.
 *
 * Hosting: Node.js when it is on the machine, Deno otherwise (both serve it).
 *
 * @module
 */
// Imported so that Deno installs the package before we run its cli.js.
import kinesalitePackage from "kinesalite/package.json" with { type: "json" };
import { fileURLToPath } from "node:url";
import {
  type Emulator,
  type EmulatorOptions,
  freePort,
  hasNode,
  startFailure,
  superviseServer,
  waitUntilAnswering,
} from "./emulator.ts";

/** Options of {@linkcode startKinesalite}: those of the emulator that apply to it. */
export type KinesaliteOptions = Pick<EmulatorOptions, "port" | "host" | "onLog" | "startTimeoutMs">;

/**
 * Starts kinesalite and waits until it answers a Kinesis call. Its data
 * lives in memory and goes with the process.
 *
 * @example
 * ```ts ignore
 * await using kinesis = await startKinesalite();
 * console.log(kinesis.endpoint);
 * ```
 */
export async function startKinesalite(options: KinesaliteOptions = {}): Promise<Emulator> {
  const { port: wanted = 0, host: hostOption = "auto", onLog, startTimeoutMs = 60_000 } = options;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
    throw new RangeError(`Cannot start kinesalite: port must be 0 to 65535, got ${wanted}`);
  }
  const port = wanted === 0 ? freePort() : wanted;
  const cli = fileURLToPath(import.meta.resolve("kinesalite/cli.js"));
  const host = hostOption === "auto" ? (await hasNode() ? "node" : "deno") : hostOption;
  const args = [
    cli,
    "--port",
    String(port),
    // Streams become ACTIVE at once, as they do in a test double.
    "--createStreamMs",
    "0",
    "--deleteStreamMs",
    "0",
    "--updateStreamMs",
    "0",
    // Its default of 10 shards would not hold the three 4-shard streams.
    "--shardLimit",
    "10000",
  ];
  const child = new Deno.Command(host === "node" ? "node" : Deno.execPath(), {
    args: host === "node" ? args : ["run", "-A", "--quiet", ...args],
    stdout: "piped",
    stderr: "piped",
    // In its own session, so that a Ctrl-C in the terminal reaches only us.
    detached: true,
  }).spawn();
  const server = superviseServer(child, onLog);
  const { tail, exited } = server;
  const stop = () => server.terminate(2_000);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, startTimeoutMs, server.alive);
  } catch (error) {
    await stop();
    throw startFailure("kinesalite", port, error, tail);
  }
  return {
    endpoint,
    port,
    pid: child.pid,
    host,
    engine: "kinesalite",
    version: kinesalitePackage.version,
    exited,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
