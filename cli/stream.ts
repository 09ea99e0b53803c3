/**
 * `deno task stream`: the whole pipeline in one process tree. Starts the
 * local Kinesis emulator (unless KINESIS_ENDPOINT or --aws), the API proxy,
 * ensures the three streams, runs the emitter and the pin, geo and user
 * streaming queries, and shows a live view until Ctrl-C, --duration or
 * --count. Stops cleanly: the last batch commits and no process is left.
 *
 * The emulator keeps its streams in KINESIS_DATA_DIR (./kinesis-data), so
 * the next run resumes every query from its checkpoint, as with a real
 * stream; --fresh discards the streams and the checkpoints first.
 *
 * Beside the three ingest queries it runs the live gold query (the course's
 * nine answers, recomputed from the silver tables every --analytics-trigger;
 * --no-analytics leaves it out) and serves the dashboard, printing its URL.
 *
 * @module
 */
import { join } from "node:path";
import { loadConfig, parsePort, RECORD_KINDS, type RecordKind, tableName } from "../lib/mod.ts";
import { type DashboardServer, startDashboard } from "../lib/dashboard/mod.ts";
import { ensureStreams } from "../lib/kinesis/admin.ts";
import { discardEmulatorData } from "../lib/kinesis/emulator.ts";
import { Emitter } from "../lib/emit/mod.ts";
import {
  CheckpointMismatchError,
  type GoldQuery,
  goldQueryName,
  type GoldQueryProgress,
  maxMillisBehind,
  queryName,
  resetCheckpoint,
  startAnalyticsQuery,
  startPipeline,
  type StreamingQueryProgress,
} from "../lib/stream/mod.ts";
import { Catalog } from "../lib/catalog.ts";
import { connectKinesis, startApi } from "./_local.ts";
import { durationFlag, onShutdownSignal, parseFlags, runMain, UsageError } from "./_args.ts";
import { EMIT_FLAGS, emitOptionsFromFlags } from "./_emit_flags.ts";

const USAGE = `Usage: deno task stream [options]

Runs the whole pipeline: the local Kinesis emulator (unless KINESIS_ENDPOINT
or --aws), the API proxy, the three streams, the emitter posting source rows
through the API, and the three streaming queries writing the Delta tables
<USER_ID>_{pin,geo,user}_table. Shows a live view; Ctrl-C stops everything
cleanly (the current batches commit).

The local emulator keeps its streams and records in KINESIS_DATA_DIR
(default ./kinesis-data): run it again and every query resumes from its
checkpoint, reading nothing twice and losing nothing. --fresh starts over.

The live gold query keeps the course's nine answers (<USER_ID>_<name> gold
tables) current, and the dashboard (DASHBOARD_PORT, default 3000, or any
free port when 3000 is taken) shows the queries, the tables and the answers.`;

/** The dashboard's port when DASHBOARD_PORT is not set. */
const DEFAULT_DASHBOARD_PORT = 3000;

/** How long a stop waits for the queries to commit what was posted. */
const DRAIN_TIMEOUT_MS = 15_000;

interface QueryView {
  committed: number;
  quarantined: number;
  rowsPerSecond: number;
  lastBatchMs: number;
  behindMs: number;
  version: number;
  batches: number;
}

await runMain(async () => {
  const { flags } = parseFlags(Deno.args, {
    ...EMIT_FLAGS,
    count: { type: "string", help: "post N rows per stream, exit 0 once all are committed" },
    trigger: {
      type: "string",
      help: "processing-time trigger of the queries, e.g. 250ms, 1s (default 1s)",
    },
    "user-id": { type: "string", help: "names streams and tables (env USER_ID)" },
    endpoint: { type: "string", help: "Kinesis endpoint (env KINESIS_ENDPOINT)" },
    aws: { type: "boolean", help: "use real AWS Kinesis (credentials from the SDK's chain)" },
    lakehouse: { type: "string", help: "root of the Delta tables (env LAKEHOUSE_DIR)" },
    checkpoints: { type: "string", help: "root of the checkpoints (env CHECKPOINT_DIR)" },
    "reset-checkpoint": {
      type: "boolean",
      help: "discard the three queries' checkpoints first (says what it discards)",
    },
    "analytics-trigger": {
      type: "string",
      help: "how often the live gold query recomputes the nine answers, e.g. 5s (default 10s)",
    },
    "no-analytics": { type: "boolean", help: "do not run the live gold query" },
    fresh: {
      type: "boolean",
      help:
        "start over: discard the local emulator's streams (KINESIS_DATA_DIR) and the checkpoints, saying what",
    },
  }, USAGE);
  const emitOptions = emitOptionsFromFlags(flags);
  const { count, durationMs } = emitOptions;
  const triggerMs = durationFlag("trigger", flags.trigger) ?? 1_000;
  if (triggerMs < 10) {
    throw new UsageError(`Invalid --trigger "${flags.trigger}": expected at least 10ms`);
  }
  const analyticsTriggerMs = durationFlag("analytics-trigger", flags["analytics-trigger"]) ??
    10_000;
  if (analyticsTriggerMs < 100) {
    throw new UsageError(
      `Invalid --analytics-trigger "${flags["analytics-trigger"]}": expected at least 100ms`,
    );
  }
  const dashboardPort = parsePort(
    "DASHBOARD_PORT",
    Deno.env.get("DASHBOARD_PORT") || undefined,
    DEFAULT_DASHBOARD_PORT,
  );
  const config = loadConfig({
    flags: {
      userId: flags["user-id"],
      endpoint: flags.endpoint,
      aws: flags.aws,
      lakehouse: flags.lakehouse,
      checkpoints: flags.checkpoints,
    },
  });

  const stopping = new AbortController();
  let interrupted: string | undefined;
  const removeSignals = onShutdownSignal((signal) => {
    if (interrupted !== undefined) {
      console.error(`${signal} again: stopping without waiting for the streams to drain`);
      Deno.exit(130);
    }
    interrupted = signal;
    stopping.abort();
  });
  const embedded = config.kinesisEndpoint === undefined && !config.aws;
  if (flags.fresh && !embedded) {
    throw new UsageError(
      "Cannot use --fresh with KINESIS_ENDPOINT or --aws: it starts the local emulator over; use --reset-checkpoint to start the queries over",
    );
  }
  if (flags.fresh) {
    console.log((await discardEmulatorData(config.kinesisDataDir)).message);
  }
  const connection = await connectKinesis(config, {
    persistDir: embedded ? config.kinesisDataDir : undefined,
  });
  let server: ReturnType<typeof startApi> | undefined;
  let pipeline: Awaited<ReturnType<typeof startPipeline>> | undefined;
  let gold: GoldQuery | undefined;
  let dashboard: DashboardServer | undefined;
  let emitterDone: Promise<unknown> = Promise.resolve();
  try {
    const { kinesis } = connection;
    const streams = await ensureStreams(kinesis, config.userId);
    console.log(`Streams: ${Object.values(streams).map((s) => s.name).join(", ")}`);
    server = startApi(kinesis, config);
    console.log(`API proxy at ${server.url}`);

    // New streams need new checkpoints (the tables keep their rows).
    if (flags["reset-checkpoint"] || flags.fresh) {
      const names = [
        ...RECORD_KINDS.map((kind) => queryName(config.userId, kind)),
        goldQueryName(config.userId),
      ];
      for (const name of names) {
        const result = await resetCheckpoint(join(config.checkpointDir, name));
        if (result.existed) console.log(result.message);
      }
    }

    const views = Object.fromEntries(RECORD_KINDS.map((k) => [k, emptyView()])) as Record<
      RecordKind,
      QueryView
    >;
    pipeline = await startPipeline({
      userId: config.userId,
      kinesis,
      lakehouseDir: config.lakehouseDir,
      checkpointDir: config.checkpointDir,
      trigger: { processingTime: triggerMs },
      initialPosition: "earliest",
      onProgress: (kind, p) => updateView(views[kind], p),
    }).catch((error) => {
      // Checkpoints of streams the emulator no longer has (its data directory was removed).
      if (error instanceof CheckpointMismatchError && connection.emulator) {
        throw new Error(`${error.message}, or start everything over with --fresh`, {
          cause: error,
        });
      }
      throw error;
    });
    console.log(
      `Queries: ${
        RECORD_KINDS.map((k) => queryName(config.userId, k)).join(", ")
      } -> ${config.lakehouseDir}/default/ (trigger ${triggerMs} ms)`,
    );

    const goldView = { batches: 0, lastMs: 0, versions: "" };
    if (!flags["no-analytics"]) {
      gold = await startAnalyticsQuery({
        userId: config.userId,
        lakehouseDir: config.lakehouseDir,
        checkpointDir: config.checkpointDir,
        trigger: { processingTime: analyticsTriggerMs },
        onProgress: (p) => updateGoldView(goldView, p),
      });
      console.log(
        `Gold query: ${goldQueryName(config.userId)} -> the nine <USER_ID>_<answer> tables (every ${
          analyticsTriggerMs / 1000
        } s)`,
      );
    }
    dashboard = serveDashboard(config, dashboardPort);
    console.log(`Dashboard at ${dashboard.url}`);

    const emitter = new Emitter({
      apiUrl: server.url,
      apiKey: config.apiKey,
      userId: config.userId,
      ...emitOptions,
      signal: stopping.signal,
      onFailure: (f) => console.error(`failed: ${f.kind} row ${f.index}: ${f.reason}`),
    });
    await emitter.checkApi();
    emitterDone = emitter.run();

    const screen = liveView(() => [
      ...render(views, emitter, config.userId),
      ...(gold ? [renderGold(goldView)] : []),
    ]);
    const deadline = durationMs === undefined
      ? new Promise<void>(() => {})
      : new Promise<void>((r) => setTimeout(r, durationMs + 50).unref?.());
    const caughtUp = count === undefined ? new Promise<void>(() => {}) : (async () => {
      await emitterDone;
      await pipeline.processAllAvailable();
    })();
    const queriesEnded = pipeline.awaitTermination();
    await Promise.race([
      caughtUp,
      deadline,
      queriesEnded,
      new Promise<void>((r) => stopping.signal.addEventListener("abort", () => r())),
    ]);
    stopping.abort();
    await emitterDone;
    // What was posted gets committed before the queries stop, within a bound.
    const drained = await Promise.race([
      pipeline.processAllAvailable().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), DRAIN_TIMEOUT_MS)),
    ]);
    await pipeline.stop();
    // The gold tables answer over everything committed before the stop.
    if (gold && drained) await gold.processAllAvailable();
    await gold?.stop();
    screen.stop();
    if (interrupted) console.log(`${interrupted}: stopped (the last batches committed)`);
    if (!drained) {
      console.log(`Stopped before the streams drained (waited ${DRAIN_TIMEOUT_MS / 1000} s)`);
    }
    await queriesEnded;

    const catalog = new Catalog({ lakehouseDir: config.lakehouseDir });
    console.log("\nSummary:");
    let allCommitted = true;
    for (const kind of RECORD_KINDS) {
      const name = tableName(config.userId, kind);
      const d = await catalog.describe(name);
      const s = emitter.stats.snapshot().find((x) => x.kind === kind);
      const view = views[kind];
      if (count !== undefined && view.committed + view.quarantined < (s?.sent ?? 0)) {
        allCommitted = false;
      }
      console.log(
        `  ${name}: version ${d.version}, ${d.rows} rows in ${d.files} files; this run posted ${
          s?.sent ?? 0
        }, committed ${view.committed}, quarantined ${view.quarantined}` +
          // A request that timed out may have reached Kinesis before its
          // retry did: producers are at-least-once, so the stream can hold
          // more records than were acknowledged.
          (s?.retried ? ` (${s.retried} posts retried)` : ""),
      );
    }
    if (gold?.lastProgress) {
      const p = gold.lastProgress;
      console.log(
        `  gold tables: batch ${p.batchId}, computed from silver versions ${
          RECORD_KINDS.map((k) => `${k} ${p.silverVersions[k]}`).join(", ")
        }`,
      );
    }
    if (emitter.stats.failed > 0) {
      console.error(`error: ${emitter.stats.failed} records could not be posted`);
      return 1;
    }
    if (!allCommitted) {
      console.error("error: not every posted record was committed before the pipeline stopped");
      return 1;
    }
    return 0;
  } finally {
    removeSignals();
    stopping.abort();
    await emitterDone.catch(() => {});
    await pipeline?.stop().catch(() => {});
    await gold?.stop().catch(() => {});
    await dashboard?.close();
    await server?.shutdown();
    await connection.close();
  }
});

/** The dashboard on DASHBOARD_PORT when set, else on 3000, or on any free port when 3000 is taken. */
function serveDashboard(
  config: ReturnType<typeof loadConfig>,
  port: number,
): DashboardServer {
  const options = {
    lakehouseDir: config.lakehouseDir,
    checkpointDir: config.checkpointDir,
    userId: config.userId,
  };
  try {
    return startDashboard({ ...options, port });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse) || Deno.env.get("DASHBOARD_PORT")) throw error;
    return startDashboard({ ...options, port: 0 });
  }
}

function updateGoldView(
  view: { batches: number; lastMs: number; versions: string },
  p: GoldQueryProgress,
): void {
  if (Object.keys(p.tables).length === 0) return;
  view.batches++;
  view.lastMs = p.durationMs.triggerExecution;
  view.versions = RECORD_KINDS.map((k) => `${k} v${p.silverVersions[k]}`).join(", ");
}

function renderGold(view: { batches: number; lastMs: number; versions: string }): string {
  return view.batches === 0
    ? "gold: waiting for the silver tables"
    : `gold: ${view.batches} refreshes, last ${Math.round(view.lastMs)} ms over ${view.versions}`;
}

function emptyView(): QueryView {
  return {
    committed: 0,
    quarantined: 0,
    rowsPerSecond: 0,
    lastBatchMs: 0,
    behindMs: 0,
    version: -1,
    batches: 0,
  };
}

function updateView(view: QueryView, p: StreamingQueryProgress): void {
  view.behindMs = maxMillisBehind(p);
  // An idle report (no new records) says only that the query is alive.
  if (p.numInputRows === 0) return;
  if (!p.sink.skipped) view.committed += p.sink.numOutputRows;
  view.quarantined += p.numQuarantinedRows;
  view.rowsPerSecond = p.processedRowsPerSecond;
  view.lastBatchMs = p.durationMs.triggerExecution;
  view.version = p.sink.version;
  view.batches++;
}

function render(views: Record<RecordKind, QueryView>, emitter: Emitter, userId: string): string[] {
  const header = [
    "stream".padEnd(28),
    "posted".padStart(8),
    "behind".padStart(9),
    "committed".padStart(10),
    "quarant.".padStart(9),
    "rows/s".padStart(8),
    "batch ms".padStart(9),
    "version".padStart(8),
  ].join(" ");
  const stats = emitter.stats.snapshot();
  const lines = RECORD_KINDS.map((kind) => {
    const v = views[kind];
    const posted = stats.find((s) => s.kind === kind)?.sent ?? 0;
    const behindRows = Math.max(0, posted - v.committed - v.quarantined);
    return [
      `streaming-${userId}-${kind}`.padEnd(28),
      String(posted).padStart(8),
      `${behindRows}r/${(v.behindMs / 1000).toFixed(1)}s`.padStart(9),
      String(v.committed).padStart(10),
      String(v.quarantined).padStart(9),
      String(Math.round(v.rowsPerSecond)).padStart(8),
      String(Math.round(v.lastBatchMs)).padStart(9),
      (v.version < 0 ? "-" : String(v.version)).padStart(8),
    ].join(" ");
  });
  return [header, ...lines];
}

/** Redraws the view in place every 500 ms on a terminal, or prints it every 5 s otherwise. */
function liveView(draw: () => string[]): { stop(): void } {
  const tty = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  let drawn = 0;
  const paint = () => {
    const lines = draw();
    if (tty) {
      const up = drawn > 0 ? `\x1b[${drawn}A` : "";
      Deno.stdout.writeSync(encoder.encode(up + lines.map((l) => `\x1b[2K${l}\n`).join("")));
      drawn = lines.length;
    } else {
      console.log(lines.join("\n"));
    }
  };
  const timer = setInterval(paint, tty ? 500 : 5_000);
  return {
    stop() {
      clearInterval(timer);
      paint();
    },
  };
}
