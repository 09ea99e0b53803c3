/**
 * `deno task emit`: posts random source rows to the pin, geo and user
 * streams through the API, like the course's `user_posting_emulation`.
 *
 * Without `--api` or `API_URL` it starts the API proxy itself, and the
 * local Kinesis emulator too unless `KINESIS_ENDPOINT` is set.
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { ensureStreams } from "../lib/kinesis/admin.ts";
import type { ApiServer } from "../lib/api/app.ts";
import { connectKinesis, type KinesisConnection, startApi } from "./_local.ts";
import { type EmitStats, Emitter, formatStreamLine } from "../lib/emit/mod.ts";
import { onShutdownSignal, parseFlags, runMain } from "./_args.ts";
import { EMIT_FLAGS, emitOptionsFromFlags } from "./_emit_flags.ts";

const USAGE = `Usage: deno task emit [options]

Posts random rows of the source tables to the pin, geo and user streams
through the API (PUT {api}/streams/{stream}/record), by default forever with
a random 0-2 s pause between rows. Without --api or API_URL it starts the API
proxy itself, and the local Kinesis emulator unless KINESIS_ENDPOINT is set.
Ctrl-C stops it and prints a summary.`;

await runMain(async () => {
  const { flags } = parseFlags(Deno.args, {
    api: { type: "string", help: "API base URL (env API_URL; default: start one here)" },
    ...EMIT_FLAGS,
    "user-id": { type: "string", help: "names the streams (env USER_ID, default 12c0d092d679)" },
  }, USAGE);
  const emitOptions = emitOptionsFromFlags(flags);
  const { count, rate, batch } = emitOptions;
  const config = loadConfig({
    flags: { api: flags.api, userId: flags["user-id"] },
  });

  const stopping = new AbortController();
  const removeSignals = onShutdownSignal(() => stopping.abort());
  let connection: KinesisConnection | undefined;
  let server: ApiServer | undefined;
  try {
    let apiUrl = config.apiUrl;
    if (apiUrl === undefined) {
      connection = await connectKinesis(config);
      await ensureStreams(connection.kinesis, config.userId);
      server = startApi(connection.kinesis, config);
      apiUrl = server.url;
      console.log(`Started the API proxy at ${apiUrl} -> Kinesis ${connection.endpoint ?? "AWS"}`);
    }
    if (stopping.signal.aborted) return 130;

    const emitter = new Emitter({
      apiUrl,
      apiKey: config.apiKey,
      userId: config.userId,
      ...emitOptions,
      signal: stopping.signal,
      onProgress: progressPrinter(),
      onFailure: (f) =>
        console.error(`failed: ${f.kind} row ${f.index} to ${f.stream}: ${f.reason}`),
    });
    await emitter.checkApi();
    console.log(
      `Emitting to ${apiUrl} (seed ${emitter.stats.seed}, ${
        rate ? `${rate} rows/s per stream` : "random 0-2 s pause"
      }${count ? `, ${count} rows per stream` : ""}${
        batch && batch > 1 ? `, batches of ${batch}` : ""
      })`,
    );
    const stats = await emitter.run();
    printSummary(stats, stopping.signal.aborted);
    return stats.failed > 0 ? 1 : 0;
  } finally {
    removeSignals();
    await server?.shutdown();
    await connection?.close();
  }
});

/** Live progress: three lines rewritten in place on a TTY, plain lines every 5 s otherwise. */
function progressPrinter(): (stats: EmitStats) => void {
  const tty = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  let drawn = 0;
  let lastPlain = 0;
  return (stats) => {
    const lines = stats.snapshot().map(formatStreamLine);
    if (tty) {
      const up = drawn > 0 ? `\x1b[${drawn}A` : "";
      Deno.stdout.writeSync(encoder.encode(up + lines.map((l) => `\x1b[2K${l}\n`).join("")));
      drawn = lines.length;
    } else if (stats.elapsedMs - lastPlain >= 5_000) {
      lastPlain = stats.elapsedMs;
      console.log(lines.join("\n"));
    }
  };
}

function printSummary(stats: EmitStats, interrupted: boolean): void {
  const seconds = (stats.elapsedMs / 1000).toFixed(1);
  console.log(
    `${
      interrupted ? "Stopped" : "Done"
    } after ${seconds} s: ${stats.sent} records sent, ${stats.failed} failed, ${stats.retried} retried (seed ${stats.seed})`,
  );
  console.log(stats.toString());
  if (stats.failed > 0) {
    console.error(
      `error: ${stats.failed} records could not be sent; the first reason: ${
        stats.failures[0]?.reason ?? "unknown"
      }`,
    );
  }
}
