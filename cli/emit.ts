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
import {
  DEFAULT_SOURCE_DIR,
  type EmitStats,
  Emitter,
  formatStreamLine,
  MAX_BATCH,
} from "../lib/emit/mod.ts";
import { durationFlag, numberFlag, onShutdownSignal, parseFlags, runMain } from "./_args.ts";

const USAGE = `Usage: deno task emit [options]

Posts random rows of the source tables to the pin, geo and user streams
through the API (PUT {api}/streams/{stream}/record), by default forever with
a random 0-2 s pause between rows. Without --api or API_URL it starts the API
proxy itself, and the local Kinesis emulator unless KINESIS_ENDPOINT is set.
Ctrl-C stops it and prints a summary.`;

await runMain(async () => {
  const { flags } = parseFlags(Deno.args, {
    api: { type: "string", help: "API base URL (env API_URL; default: start one here)" },
    count: { type: "string", help: "send N rows per stream, then exit" },
    rate: { type: "string", help: "rows per second per stream, no pause (default: 0-2 s pause)" },
    duration: { type: "string", help: "stop after this long, e.g. 30s, 5m" },
    batch: {
      type: "string",
      help:
        `rows per PutRecords request through /records, 2 to ${MAX_BATCH} (default: one PUT per row)`,
    },
    seed: { type: "string", help: "PRNG seed that picks the rows (default random, printed)" },
    source: { type: "string", help: `source directory (default ${DEFAULT_SOURCE_DIR})` },
    "user-id": { type: "string", help: "names the streams (env USER_ID, default 12c0d092d679)" },
  }, USAGE);
  const count = numberFlag("count", flags.count, { min: 1 });
  const rate = numberFlag("rate", flags.rate, { min: 0.001, max: 1_000_000, integer: false });
  const durationMs = durationFlag("duration", flags.duration);
  const batch = numberFlag("batch", flags.batch, { min: 1, max: MAX_BATCH });
  const seed = numberFlag("seed", flags.seed, { min: 0, max: 2 ** 32 - 1 });
  const config = loadConfig({
    flags: { api: flags.api as string | undefined, userId: flags["user-id"] as string | undefined },
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
      source: (flags.source as string | undefined) ?? DEFAULT_SOURCE_DIR,
      seed,
      rate,
      count,
      durationMs,
      batch: batch !== undefined && batch > 1 ? batch : 0,
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
