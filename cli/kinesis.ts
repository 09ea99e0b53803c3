/**
 * `deno task kinesis [--port 4568] [--persist DIR] [--host auto|node|deno]
 * [--engine kinesis-local|kinesalite]`: runs the local Kinesis emulator in
 * the foreground until Ctrl-C.
 *
 * @module
 */
import { loadConfig, parsePort } from "../lib/config.ts";
import {
  EMULATOR_ENGINES,
  type EmulatorEngine,
  type EmulatorHost,
  startEmulator,
} from "../lib/kinesis/emulator.ts";
import { onShutdownSignal, parseFlags, runMain, UsageError } from "./_args.ts";

await runMain(async () => {
  const { flags } = parseFlags(
    Deno.args,
    {
      port: {
        type: "string",
        help: "plain-HTTP port (env KINESIS_PORT, default 4568; 0 = any free port)",
      },
      persist: {
        type: "string",
        help: "keep streams and records in this directory across restarts",
      },
      host: {
        type: "string",
        help: "runtime that hosts the emulator: auto (default), node or deno",
      },
      engine: {
        type: "string",
        help: "kinesis-local (default: ON_DEMAND streams, persistence) or kinesalite " +
          "(faster, in memory, provisioned 4-shard streams: for benchmarks)",
      },
      verbose: { type: "boolean", help: "show the emulator's INFO log" },
    },
    "Usage: deno task kinesis [options]\n\nRuns the local Kinesis emulator (kinesis-local, or kinesalite) until Ctrl-C.",
  );
  const config = loadConfig();
  const port = parsePort("--port", flags.port, config.kinesisPort);
  const host = flags.host ?? "auto";
  if (!["auto", "node", "deno"].includes(host)) {
    throw new UsageError(`Invalid --host "${host}": expected auto, node or deno`);
  }
  const engine = (flags.engine as string | undefined) ?? "kinesis-local";
  if (!EMULATOR_ENGINES.includes(engine as EmulatorEngine)) {
    throw new UsageError(
      `Invalid --engine "${engine}": expected ${EMULATOR_ENGINES.join(" or ")}`,
    );
  }
  if (engine === "kinesalite" && flags.persist) {
    throw new UsageError(
      "Invalid --persist with --engine kinesalite: it keeps data in memory only",
    );
  }
  const emulator = await startEmulator({
    engine: engine as EmulatorEngine,
    port,
    persistDir: flags.persist,
    host: host as EmulatorHost,
    logLevel: flags.verbose ? "INFO" : "WARN",
    onLog: (line) => console.error(line),
  });
  console.log(
    `Kinesis emulator (${emulator.engine} ${emulator.version}, hosted by ${emulator.host}) at ${emulator.endpoint}` +
      (flags.persist ? `, persisting to ${flags.persist}` : ""),
  );
  console.log(`Point clients at it with KINESIS_ENDPOINT=${emulator.endpoint}. Ctrl-C stops it.`);
  const stopped = new Promise<string>((resolve) => onShutdownSignal(resolve));
  const why = await Promise.race([stopped, emulator.exited.then((code) => `exit ${code}`)]);
  await emulator.stop();
  console.log(`Kinesis emulator stopped (${why})`);
});
