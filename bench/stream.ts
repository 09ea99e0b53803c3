/**
 * `deno task bench stream`: the streaming queries' sustained throughput with
 * freshness, drain rate and memory, on kinesalite (fast, in memory) with
 * kinesis-local figures side by side.
 *
 * Every part runs in a process of its own: Kinesis (the engine), the API
 * proxy (`cli/api.ts`, the real `deno task api`), the producer
 * (`bench/_stream_producer.ts`), the queries (`bench/_stream_query.ts` while
 * posting, the real `cli/query.ts --trigger available-now` when draining) and
 * the raw reader (`bench/_stream_raw.ts`). This process only watches the
 * tables and keeps the books.
 *
 * 1. Throughput with freshness, per step of `--rates` (rows/s per stream,
 *    posted to the pin, geo and user streams at once with PutRecords batches
 *    every 50 ms): `--warmup` (not measured) then `--duration`. Each row
 *    carries a unique `ind` (pin: `index`). A row's freshness runs from the
 *    producer handing it to its client to the moment the Delta commit holding
 *    it is visible (the `_delta_log/<version>.json` polled every 10 ms; the
 *    `ind` column of the files it adds read). A step is met when the achieved
 *    rate is within 5% of the target AND p99 < 1 s AND every acknowledged row
 *    was committed; the sustained ceiling is the highest step met.
 * 2. Drain: a backlog loaded straight into the streams (SDK PutRecords of
 *    500), drained by `cli/query.ts --trigger available-now` and by raw
 *    GetRecords, each timed from its process's spawn to its exit.
 * 3. Memory: the drain query process's peak RSS (VmHWM) at each backlog size
 *    (by default 100,000, 300,000 and 1,000,000 records, loaded cumulatively),
 *    compared over all of them and over those larger than one batch of every
 *    query (a smaller backlog fits in one batch per query with nothing to
 *    fetch ahead), and the largest RSS of the first vs the second half of the
 *    largest drain. The query processes run with the V8 flags of `deno task
 *    query`.
 *
 * @module
 */
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import config from "../deno.json" with { type: "json" };
import { join } from "node:path";
import pl from "nodejs-polars";
import { sleep } from "../lib/_util/sleep.ts";
import { DEFAULT_MAX_RECORDS_PER_FETCH } from "../lib/stream/source.ts";
import { streamNames, tableName } from "../lib/config.ts";
import { readSource, type SourceTables } from "../lib/data/mod.ts";
import { commitFileName, LOG_DIR, readCommit } from "../lib/delta/log.ts";
import { dataFilePath } from "../lib/delta/read.ts";
import { openStorage } from "../lib/delta/storage/mod.ts";
import { DEFAULT_SOURCE_DIR } from "../lib/emit/mod.ts";
import { deleteStream, ensureStreams } from "../lib/kinesis/admin.ts";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import {
  type Emulator,
  EMULATOR_ENGINES,
  type EmulatorEngine,
  freePort,
  startEmulator,
} from "../lib/kinesis/emulator.ts";
import { RECORD_KINDS, type RecordKind } from "../lib/records.ts";
import { durationFlag, onShutdownSignal, parseFlags, UsageError } from "../cli/_args.ts";
import {
  cpuSeconds,
  currentRss,
  peakRss,
  type QueryProcessEvent,
  type QueryProcessOptions,
} from "./_stream_query.ts";
import { makeRow, type ProducerEvent, type ProducerOptions, wallNow } from "./_stream_producer.ts";
import {
  boundedMemoryVerdict,
  drainVerdict,
  formatVerdict,
  MEMORY_LIMIT_BYTES,
  memoryVerdict,
  P99_LIMIT_MS,
  percentile,
  RATE_TOLERANCE,
  ratioVerdict,
  type StepFigures,
  stepVerdict,
  sustainedCeiling,
  taskV8Flags,
  type Verdict,
} from "./_verdicts.ts";

export { postSteady } from "./_stream_producer.ts";

const USAGE = `Usage: deno task bench stream [-- options]

Posts rows to the pin, geo and user streams at once through the API proxy at
steady rates (rows/s per stream) while the queries run in their own process,
and measures the achieved rate and freshness (producer hand-off -> Delta
commit visible, p50/p99) per step; then drains a backlog with the real
available-now query and with raw GetRecords (records/s, ratio) and reports
the query process's peak RSS. By default on kinesalite, with a short
kinesis-local run beside it. --quick: 10 s steps and a 10,000/50,000 backlog.`;

const MiB = 1024 * 1024;
const POLL_MS = 10;
const encoder = new TextEncoder();
const ROOT = new URL("..", import.meta.url).pathname;
const QUERY_MAIN = new URL("./_stream_query.ts", import.meta.url).pathname;
const PRODUCER_MAIN = new URL("./_stream_producer.ts", import.meta.url).pathname;
const RAW_MAIN = new URL("./_stream_raw.ts", import.meta.url).pathname;
const QUERY_CLI = new URL("../cli/query.ts", import.meta.url).pathname;
/**
 * The V8 flags `deno task query` and `deno task stream` run the queries
 * with (a heap size that keeps Polars' native memory in check, see the
 * README's Performance section): the query processes get the same.
 */
const QUERY_V8_FLAGS = taskV8Flags(config.tasks.query);
const API_CLI = new URL("../cli/api.ts", import.meta.url).pathname;

/** What one engine is asked to run. */
interface Plan {
  engine: EmulatorEngine;
  /** Rows/s per stream, one step each. */
  rates: number[];
  durationMs: number;
  warmupMs: number;
  /** Backlog sizes (records over the three streams), ascending; empty: none. */
  backlog: number[];
  /** Drain the last step's streams (when no backlog is loaded on this engine). */
  drainLastStep: boolean;
}

interface Settings {
  plans: Plan[];
  triggerMs: number;
  batch: boolean;
  minFetchPeriodMs: number | undefined;
  /** Write a CPU profile of each step's query process here. */
  cpuProfDir: string | undefined;
  quick: boolean;
}

/** Runs the benchmark with command-line `args` (see `--help`). */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    engine: {
      type: "string",
      help:
        "kinesalite, kinesis-local, or both (default: kinesalite, then a short kinesis-local run)",
    },
    quick: { type: "boolean", help: "10 s steps, 2 s warm-up, backlog 10000,50000" },
    rates: {
      type: "string",
      value: "LIST",
      help: "rows/s per stream, comma-separated; none to skip (default 1000,2000,4000)",
    },
    duration: { type: "string", help: "measured posting time per step (default 60s)" },
    warmup: { type: "string", help: "posting before the measurement, per step (default 5s)" },
    "local-duration": {
      type: "string",
      help:
        "measured time of kinesis-local's single 1,000 rows/s step in the default run (default 20s)",
    },
    trigger: { type: "string", help: "the queries' processing-time trigger (default 250ms)" },
    put: {
      type: "string",
      value: "MODE",
      help: "batch (PUT /records every 50 ms per stream, default) or single (PUT /record per row)",
    },
    "min-fetch-period": {
      type: "string",
      help: "the queries' least time between GetRecords per shard (default the query's)",
    },
    backlog: {
      type: "string",
      value: "N,N",
      help: "backlog sizes in records over the three streams, ascending; 0 to skip " +
        "(default 100000,300000,1000000)",
    },
    "cpu-prof": {
      type: "string",
      value: "DIR",
      help: "write a CPU profile of each step's query process to DIR (deno --cpu-prof)",
    },
  }, USAGE);
  const quick = flags.quick === true;
  const rates = flags.rates === "none"
    ? []
    : String(flags.rates ?? "1000,2000,4000").split(",").map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isInteger(r) || r < 1 || r > 50_000)) {
    throw new UsageError(`Invalid --rates "${flags.rates}": expected integers from 1 to 50000`);
  }
  const durationMs = durationFlag("duration", flags.duration) ?? (quick ? 10_000 : 60_000);
  const warmupMs = durationFlag("warmup", flags.warmup) ?? (quick ? 2_000 : 5_000);
  const localDurationMs = durationFlag("local-duration", flags["local-duration"]) ??
    (quick ? 10_000 : 20_000);
  const triggerMs = durationFlag("trigger", flags.trigger) ?? 250;
  const put = String(flags.put ?? "batch");
  if (!["single", "batch"].includes(put)) {
    throw new UsageError(`Invalid --put "${put}": expected batch or single`);
  }
  const backlog = flags.backlog === "0"
    ? []
    : String(flags.backlog ?? (quick ? "10000,50000" : "100000,300000,1000000")).split(",").map((
      n,
    ) => Number(n.trim()));
  if (
    backlog.some((n) => !Number.isInteger(n) || n < 3 || n > 10_000_000) ||
    backlog.some((n, i) => i > 0 && n <= backlog[i - 1]!)
  ) {
    throw new UsageError(
      `Invalid --backlog "${flags.backlog}": expected ascending integers from 3 to 10000000`,
    );
  }
  const engineFlag = String(flags.engine ?? "both");
  if (engineFlag !== "both" && !EMULATOR_ENGINES.includes(engineFlag as EmulatorEngine)) {
    throw new UsageError(
      `Invalid --engine "${engineFlag}": expected ${EMULATOR_ENGINES.join(", ")} or both`,
    );
  }
  const full = (engine: EmulatorEngine): Plan => ({
    engine,
    rates,
    durationMs,
    warmupMs,
    backlog,
    drainLastStep: backlog.length === 0,
  });
  const plans: Plan[] = engineFlag === "both"
    ? [full("kinesalite"), {
      // kinesis-local takes a few hundred records/s: one short step, its data drained.
      engine: "kinesis-local",
      rates: rates.length ? [rates[0]!] : [],
      durationMs: localDurationMs,
      warmupMs: Math.min(warmupMs, 2_000),
      backlog: [],
      drainLastStep: rates.length > 0,
    }]
    : [full(engineFlag as EmulatorEngine)];
  const settings: Settings = {
    plans,
    triggerMs,
    batch: put === "batch",
    minFetchPeriodMs: durationFlag("min-fetch-period", flags["min-fetch-period"]),
    cpuProfDir: flags["cpu-prof"] as string | undefined,
    quick,
  };

  const interrupt = new AbortController();
  const removeSignals = onShutdownSignal((s) => {
    console.log(`\n${s}: stopping the benchmark and cleaning up`);
    interrupt.abort(new Error(`Interrupted (${s})`));
  });
  const dir = await Deno.makeTempDir({ prefix: "pinstream-bench-stream-" });
  const base: Base = {
    dir,
    signal: interrupt.signal,
    children: new Set(),
    source: await readSource(DEFAULT_SOURCE_DIR),
    settings,
  };
  console.log(
    `${navigator.hardwareConcurrency} CPUs, load average ${loadAverage()}; trigger ${triggerMs} ms; ` +
      `figures are depressed on a shared machine: final figures need a quiet one`,
  );
  const results: EngineResult[] = [];
  try {
    for (const plan of plans) results.push(await runEngine(base, plan));
    printReport(results, settings);
    console.log(`\nload average at the end: ${loadAverage()}`);
  } finally {
    removeSignals();
    await Promise.all([...base.children].map((c) => c.kill()));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  if (interrupt.signal.aborted) throw interrupt.signal.reason;
}

interface Base {
  dir: string;
  signal: AbortSignal;
  children: Set<Child>;
  source: SourceTables;
  settings: Settings;
}

interface Context extends Base {
  engine: EmulatorEngine;
  endpoint: string;
  /** The emulator's process. */
  kinesisPid: number;
  proxy: Child;
  kinesis: KinesisClient;
  apiUrl: string;
}

interface EngineResult {
  engine: EmulatorEngine;
  label: string;
  plan: Plan;
  steps: StepResult[];
  drains: DrainResult[];
}

async function runEngine(base: Base, plan: Plan): Promise<EngineResult> {
  let emulator: Emulator | undefined;
  let kinesis: KinesisClient | undefined;
  let proxy: Child | undefined;
  try {
    emulator = await startEmulator({ engine: plan.engine });
    kinesis = createKinesisClient({ endpoint: emulator.endpoint, maxAttempts: 5 });
    const port = freePort();
    let onListening!: () => void;
    const listening = new Promise<void>((r) => onListening = r);
    proxy = new Child(base, [
      "run",
      "-A",
      API_CLI,
      "--port",
      String(port),
      "--endpoint",
      emulator.endpoint,
      "--quiet",
    ], (line) => {
      if (line.startsWith("API proxy listening")) onListening();
    });
    await Promise.race([
      listening,
      proxy.exited.then((c) => {
        throw new Error(`The API proxy exited (${c}) before listening\n${proxy!.stderrTail}`);
      }),
    ]);
    const label = `${emulator.engine} ${emulator.version} (hosted by ${emulator.host})`;
    console.log(
      `\n=== ${label}; API proxy (cli/api.ts) at http://127.0.0.1:${port}, producer, queries ` +
        `and raw reader in processes of their own`,
    );
    const ctx: Context = {
      ...base,
      engine: plan.engine,
      endpoint: emulator.endpoint,
      kinesisPid: emulator.pid,
      proxy,
      kinesis,
      apiUrl: `http://127.0.0.1:${port}`,
    };
    const steps: StepResult[] = [];
    const drains: DrainResult[] = [];
    for (const [i, rate] of plan.rates.entries()) {
      const last = i === plan.rates.length - 1;
      const step = await stepPhase(ctx, plan, rate, last && plan.drainLastStep);
      steps.push(step.result);
      if (step.drain) drains.push(step.drain);
    }
    if (plan.backlog.length) drains.push(...await backlogPhase(ctx, plan.backlog));
    return { engine: plan.engine, label, plan, steps, drains };
  } finally {
    await proxy?.kill();
    kinesis?.destroy();
    await emulator?.stop();
  }
}

// ---------------------------------------------------------------- child processes

/** A Deno child process: its stdout lines, the tail of its stderr, its sampled peak RSS. */
class Child {
  readonly exited: Promise<number>;
  #child: Deno.ChildProcess;
  #stderr: string[] = [];
  #peak = 0;
  #rss: { ms: number; bytes: number }[] = [];
  #cpu = 0;
  #running = true;

  constructor(base: Pick<Base, "children">, args: string[], onLine: (line: string) => void) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    base.children.add(this);
    // VmHWM only grows: the last sample before exit is the process's peak.
    const started = performance.now();
    const sampler = setInterval(() => {
      this.#peak = Math.max(this.#peak, peakRss(this.#child.pid));
      const rss = currentRss(this.#child.pid);
      if (rss > 0) this.#rss.push({ ms: performance.now() - started, bytes: rss });
      this.#cpu = Math.max(this.#cpu, cpuSeconds(this.#child.pid));
    }, 100);
    const out = lines(this.#child.stdout, onLine);
    const err = lines(this.#child.stderr, (line) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 20) this.#stderr.shift();
    });
    this.exited = this.#child.status.then(async (s) => {
      clearInterval(sampler);
      this.#running = false;
      await Promise.allSettled([out, err]);
      base.children.delete(this);
      return s.code;
    });
  }

  get stderrTail(): string {
    return this.#stderr.join("\n");
  }

  /** CPU seconds used: now while it runs, the last sample (within 100 ms of the end) after. */
  get cpuSeconds(): number {
    return this.#running ? Math.max(this.#cpu, cpuSeconds(this.#child.pid)) : this.#cpu;
  }

  /** The largest VmHWM sampled (every 100 ms). */
  get sampledPeakRss(): number {
    return this.#peak;
  }

  /**
   * The largest RSS sampled in the first and in the second half of the
   * process's life: memory that grows with the data read shows in the second.
   */
  get rssHalves(): [number, number] {
    const end = this.#rss.at(-1)?.ms ?? 0;
    const max = (from: number, to: number) =>
      Math.max(0, ...this.#rss.filter((s) => s.ms >= from && s.ms < to).map((s) => s.bytes));
    return [max(0, end / 2), max(end / 2, Infinity)];
  }

  signal(signal: Deno.Signal): void {
    if (!this.#running) return;
    try {
      this.#child.kill(signal);
    } catch { /* gone */ }
  }

  /** Stops the process: SIGTERM, then SIGKILL after 5 s. */
  async kill(): Promise<void> {
    if (!this.#running) return;
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The step queries' process (`bench/_stream_query.ts`) and its events. */
class QueryProcess {
  readonly events: QueryProcessEvent[] = [];
  readonly ready: Promise<void>;
  readonly child: Child;

  constructor(ctx: Context, options: Omit<QueryProcessOptions, "endpoint">, profDir?: string) {
    const full: QueryProcessOptions = { ...options, endpoint: ctx.endpoint };
    let onReady!: () => void;
    this.child = new Child(ctx, [
      "run",
      "-A",
      ...QUERY_V8_FLAGS,
      ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []),
      QUERY_MAIN,
      JSON.stringify(full),
    ], (line) => {
      if (!line.startsWith("{")) return;
      const e = JSON.parse(line) as QueryProcessEvent;
      this.events.push(e);
      if (e.event === "ready") onReady();
    });
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      this.child.exited.then((c) =>
        reject(
          new Error(
            `The query process exited (${c}) before it was ready\n${this.child.stderrTail}`,
          ),
        )
      );
    });
    this.ready.catch(() => {});
  }

  get batches(): Extract<QueryProcessEvent, { event: "batch" }>[] {
    return this.events.filter((e) => e.event === "batch");
  }

  /** The peak RSS: VmHWM as the process reported it on exit, else the largest sampled. */
  get peakRssBytes(): number {
    const done = this.events.find((e) => e.event === "done");
    return done && done.event === "done" ? done.peakRssBytes : this.child.sampledPeakRss;
  }
}

async function lines(stream: ReadableStream<Uint8Array>, fn: (line: string) => void) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const l of parts) fn(l);
  }
  if (rest) fn(rest);
}

// ---------------------------------------------------------------- watching the tables

/** Polls the tables' logs for new commits and notes when each row became visible (wall clock). */
class TableWatch {
  /** Row number -> wall-clock ms when its commit was first seen. */
  readonly visibleAt = new Map<number, number>();
  commits = 0;
  #stopped = false;
  #loops: Promise<void>[];

  constructor(tablePaths: string[], signal: AbortSignal) {
    this.#loops = tablePaths.map((p) => this.#watch(p, signal));
  }

  async #watch(table: string, signal: AbortSignal): Promise<void> {
    const logDir = join(table, LOG_DIR);
    let version = 0;
    while (!this.#stopped && !signal.aborted) {
      try {
        await Deno.stat(join(logDir, commitFileName(version)));
      } catch {
        await sleep(POLL_MS, signal);
        continue;
      }
      const seen = wallNow();
      const commit = await readCommit(openStorage(table), version);
      for (const add of commit?.adds ?? []) {
        const df = pl.readParquet(dataFilePath(table, add.path), { columns: ["ind"] });
        for (const ind of df.getColumn("ind").toArray()) {
          const n = Number(ind);
          if (!this.visibleAt.has(n)) this.visibleAt.set(n, seen);
        }
      }
      if (commit?.adds.length) this.commits++;
      version++;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }
}

/** Rows committed to the tables: the `numRecords` of every file added, over the whole log. */
async function committedRows(tablePaths: string[]): Promise<number> {
  let rows = 0;
  for (const table of tablePaths) {
    const storage = openStorage(table);
    for (let v = 0;; v++) {
      const commit = await readCommit(storage, v);
      if (!commit) break;
      for (const add of commit.adds) {
        rows += Number(JSON.parse(add.stats ?? "{}").numRecords ?? 0);
      }
    }
  }
  return rows;
}

function tablePaths(lakehouseDir: string, userId: string): string[] {
  return RECORD_KINDS.map((k) => join(lakehouseDir, "default", tableName(userId, k)));
}

// ---------------------------------------------------------------- steps

interface StepResult extends StepFigures {
  /** Rows handed to the client in the window but never acknowledged. */
  failed: number;
  /** Sorted freshness of the measured rows, ms. */
  freshness: number[];
  committedPerStream: number;
  commits: number;
  /** triggerExecution of the query's batches, sorted. */
  batchMs: number[];
  /** Median phase times of the query's batches: fetching, parse+clean+write, checkpoint. */
  phaseMs: { fetch: number; addBatch: number; checkpoint: number };
  /** CPU seconds each process used during the step (warm-up included). */
  cpu: { producer: number; proxy: number; kinesis: number; query: number };
  peakRssBytes: number;
  verdict: Verdict;
}

async function stepPhase(
  ctx: Context,
  plan: Plan,
  rate: number,
  drainAfter: boolean,
): Promise<{ result: StepResult; drain?: DrainResult }> {
  const { triggerMs, batch, minFetchPeriodMs, cpuProfDir } = ctx.settings;
  const userId = `bench${ctx.engine === "kinesalite" ? "kl" : "local"}${rate}`;
  console.log(
    `\n-- ${rate} rows/s per stream (${rate * 3} over the three) for ${plan.warmupMs / 1000}+${
      plan.durationMs / 1000
    } s, ${batch ? "PutRecords batches every 50 ms" : "PUT /record per row"}`,
  );
  await ensureStreams(ctx.kinesis, userId);
  const streams = streamNames(userId);
  const lakehouseDir = join(ctx.dir, userId, "lakehouse");
  const profDir = cpuProfDir ? join(cpuProfDir, `${ctx.engine}-${rate}`) : undefined;
  const query = new QueryProcess(ctx, {
    userId,
    lakehouseDir,
    checkpointDir: join(ctx.dir, userId, "checkpoints"),
    trigger: triggerMs,
    minFetchPeriodMs,
  }, profDir);
  await query.ready;
  const cpu0 = { proxy: ctx.proxy.cpuSeconds, kinesis: cpuSeconds(ctx.kinesisPid) };
  const watch = new TableWatch(tablePaths(lakehouseDir, userId), ctx.signal);
  const okAt = new Map<number, number>();
  let window: Extract<ProducerEvent, { event: "window" }> | undefined;
  let producerError: string | undefined;
  const producerOptions: ProducerOptions = {
    apiUrl: ctx.apiUrl,
    userId,
    ratePerStream: rate,
    warmupMs: plan.warmupMs,
    durationMs: plan.durationMs,
    batch,
  };
  const producer = new Child(
    ctx,
    ["run", "-A", PRODUCER_MAIN, JSON.stringify(producerOptions)],
    (line) => {
      if (!line.startsWith("{")) return;
      const e = JSON.parse(line) as ProducerEvent;
      if (e.event === "acks") { for (const n of e.rows) okAt.set(n, e.handedAt); }
      else if (e.event === "window") window = e;
      else if (e.event === "done") producerError = e.error;
    },
  );
  const code = await producer.exited;
  if (code !== 0 || !window) {
    throw new Error(
      `The producer failed (${code}): ${producerError ?? producer.stderrTail}`,
    );
  }
  // Every acknowledged row should become visible; give up 30 s after the last answer.
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && !ctx.signal.aborted) {
    if ([...okAt.keys()].every((n) => watch.visibleAt.has(n))) break;
    await sleep(50, ctx.signal);
  }
  const cpu = {
    producer: producer.cpuSeconds,
    proxy: ctx.proxy.cpuSeconds - cpu0.proxy,
    kinesis: cpuSeconds(ctx.kinesisPid) - cpu0.kinesis,
    query: query.child.cpuSeconds,
  };
  query.child.signal("SIGINT");
  await query.child.exited;
  await watch.stop();
  if (ctx.signal.aborted) throw ctx.signal.reason;

  const w = window;
  const freshness: number[] = [];
  let missing = 0;
  let acked = 0;
  for (const [n, handed] of okAt) {
    if (n < w.from) continue;
    acked++;
    const seen = watch.visibleAt.get(n);
    if (seen === undefined) missing++;
    else freshness.push(seen - handed);
  }
  freshness.sort((a, b) => a - b);
  const windowS = plan.durationMs / 1000;
  const committedInWindow = [...watch.visibleAt.entries()]
    .filter(([n, t]) => n >= w.from && t >= w.start && t <= w.end).length;
  const figures: StepFigures = {
    targetPerStream: rate,
    achievedPerStream: acked / windowS / RECORD_KINDS.length,
    p99Ms: percentile(freshness, 0.99),
    missing,
    rows: acked,
  };
  const result: StepResult = {
    ...figures,
    failed: w.next - w.from - acked,
    freshness,
    committedPerStream: committedInWindow / windowS / RECORD_KINDS.length,
    commits: watch.commits,
    batchMs: query.batches.map((b) => b.triggerMs).sort((a, b) => a - b),
    phaseMs: {
      fetch: median(query.batches.map((b) => b.fetchMs)),
      addBatch: median(query.batches.map((b) => b.addBatchMs)),
      checkpoint: median(query.batches.map((b) => b.checkpointMs)),
    },
    cpu,
    peakRssBytes: query.peakRssBytes,
    verdict: stepVerdict(figures),
  };
  console.log(
    `achieved ${result.achievedPerStream.toFixed(0)} rows/s per stream, committed ${
      result.committedPerStream.toFixed(0)
    }/s; freshness p50 ${percentile(freshness, 0.5).toFixed(0)} ms p99 ${
      result.p99Ms.toFixed(0)
    } ms; batch p50 ${ms(percentile(result.batchMs, 0.5))} ms (fetch ${
      ms(result.phaseMs.fetch)
    }, parse+clean+write ${ms(result.phaseMs.addBatch)}), p99 ${
      ms(percentile(result.batchMs, 0.99))
    } ms (parse+clean+write p99 ${
      ms(percentile(query.batches.map((b) => b.addBatchMs).sort((a, b) => a - b), 0.99))
    }); CPU s producer ${cpu.producer.toFixed(1)}, proxy ${cpu.proxy.toFixed(1)}, kinesis ${
      cpu.kinesis.toFixed(1)
    }, query ${cpu.query.toFixed(1)}; ${formatVerdict(result.verdict)}`,
  );
  const drain = drainAfter
    ? await drainStreams(ctx, userId, `step${rate}`, okAt.size, "the step's data")
    : undefined;
  await Promise.all(Object.values(streams).map((s) => deleteStream(ctx.kinesis, s)));
  return { result, drain };
}

// ---------------------------------------------------------------- drains and backlog

interface DrainResult {
  label: string;
  /** Records in the streams. */
  records: number;
  /** Records loaded per second (backlog only). */
  loadPerSecond?: number;
  bytes: number;
  /** Rows the query committed. */
  committed: number;
  /** The query process, spawn to exit. */
  ms: number;
  peakRssBytes: number;
  /** The largest RSS in the first and in the second half of the query's run. */
  rssHalves: [number, number];
  /** The records one batch of every query holds at most (backlog only). */
  batchBound?: number;
  raw: { records: number; bytes: number; ms: number };
  verdict: Verdict & { ratio: number };
}

/**
 * Drains the streams of `userId` with `cli/query.ts --trigger available-now`
 * (a fresh checkpoint), then with raw GetRecords; each timed spawn to exit.
 */
async function drainStreams(
  ctx: Context,
  userId: string,
  label: string,
  records: number,
  what: string,
  loadPerSecond?: number,
): Promise<DrainResult> {
  const lakehouseDir = join(ctx.dir, userId, `${label}-lakehouse`);
  console.log(`draining ${records} records (${what}): query, then raw GetRecords`);
  const t0 = performance.now();
  const q = new Child(ctx, [
    "run",
    "-A",
    ...QUERY_V8_FLAGS,
    QUERY_CLI,
    "--trigger",
    "available-now",
    "--quiet",
    "--endpoint",
    ctx.endpoint,
    "--user-id",
    userId,
    "--lakehouse",
    lakehouseDir,
    "--checkpoints",
    join(ctx.dir, userId, `${label}-checkpoints`),
  ], () => {});
  const code = await q.exited;
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`The drain query failed (${code}): ${q.stderrTail}`);
  const committed = await committedRows(tablePaths(lakehouseDir, userId));
  let raw = { records: 0, bytes: 0 };
  const t1 = performance.now();
  const r = new Child(ctx, [
    "run",
    "-A",
    RAW_MAIN,
    JSON.stringify({ endpoint: ctx.endpoint, streams: Object.values(streamNames(userId)) }),
  ], (line) => {
    if (line.startsWith("{")) raw = JSON.parse(line);
  });
  const rawCode = await r.exited;
  const rawMs = performance.now() - t1;
  if (rawCode !== 0) throw new Error(`The raw reader failed (${rawCode}): ${r.stderrTail}`);
  const result: DrainResult = {
    label,
    records,
    loadPerSecond,
    bytes: raw.bytes,
    committed,
    ms,
    peakRssBytes: q.sampledPeakRss,
    rssHalves: q.rssHalves,
    raw: { ...raw, ms: rawMs },
    verdict: drainVerdict({ records, ms, committed }, { records: raw.records, ms: rawMs }),
  };
  console.log(
    `query ${rate(records, ms)} records/s (${(ms / 1000).toFixed(1)} s, peak RSS ${
      mib(result.peakRssBytes)
    }, RSS at most ${mib(result.rssHalves[0])} in the first half, ${
      mib(result.rssHalves[1])
    } in the second), raw ${rate(raw.records, rawMs)} records/s (${
      (rawMs / 1000).toFixed(1)
    } s): ratio ${result.verdict.ratio.toFixed(2)}`,
  );
  return result;
}

/** Loads each backlog size (cumulatively) into fresh streams and drains it. */
async function backlogPhase(ctx: Context, sizes: number[]): Promise<DrainResult[]> {
  const userId = `benchbacklog${ctx.engine === "kinesalite" ? "kl" : "local"}`;
  const described = await ensureStreams(ctx.kinesis, userId);
  // Each query's batch takes at most maxRecordsPerFetch records of every shard.
  const batchBound = Object.values(described).reduce((n, d) => n + d.openShardCount, 0) *
    DEFAULT_MAX_RECORDS_PER_FETCH;
  const streams = streamNames(userId);
  const results: DrainResult[] = [];
  let loaded = 0;
  let loadMs = 0;
  for (const size of sizes) {
    console.log(`\n-- backlog: loading ${size - loaded} more records (SDK PutRecords of 500)`);
    const t0 = performance.now();
    await loadBacklog(ctx, streams, loaded, size);
    loadMs += performance.now() - t0;
    loaded = size;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    console.log(`loaded ${size} records in ${(loadMs / 1000).toFixed(1)} s`);
    results.push({
      ...await drainStreams(ctx, userId, `backlog${size}`, size, "backlog", size * 1000 / loadMs),
      batchBound,
    });
  }
  await Promise.all(Object.values(streams).map((s) => deleteStream(ctx.kinesis, s)));
  return results;
}

/** Loads rows `from` to `to` straight into the streams: PutRecords of 500 per stream, 6 in flight. */
async function loadBacklog(
  ctx: Context,
  streams: Record<RecordKind, string>,
  from: number,
  to: number,
): Promise<void> {
  const block = 500 * RECORD_KINDS.length;
  let next = from;
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < to && !ctx.signal.aborted) {
      const start = next;
      const end = Math.min(to, start + block);
      next = end;
      const byKind = new Map<RecordKind, Uint8Array[]>();
      for (let n = start; n < end; n++) {
        const { kind, data } = makeRow(ctx.source, n);
        if (!byKind.has(kind)) byKind.set(kind, []);
        byKind.get(kind)!.push(encoder.encode(JSON.stringify(data)));
      }
      await Promise.all([...byKind].map(async ([kind, records]) => {
        let pending = records;
        while (pending.length && !ctx.signal.aborted) {
          const out = await ctx.kinesis.send(
            new PutRecordsCommand({
              StreamName: streams[kind],
              Records: pending.map((Data) => ({ Data, PartitionKey: crypto.randomUUID() })),
            }),
            { abortSignal: ctx.signal },
          );
          pending = pending.filter((_, j) => out.Records?.[j]?.ErrorCode !== undefined);
          if (pending.length) await sleep(200, ctx.signal);
        }
      }));
    }
  }));
}

// ---------------------------------------------------------------- output

function median(values: number[]): number {
  return percentile(values.sort((a, b) => a - b), 0.5);
}

function rate(records: number, ms: number): string {
  return ms > 0 ? (records * 1000 / ms).toFixed(0) : "-";
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(0) : "-";
}

function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

function printReport(results: EngineResult[], settings: Settings): void {
  for (const r of results) {
    console.log(`\n=== ${r.label}`);
    if (r.steps.length) {
      console.log(
        `Throughput with freshness (producer hand-off -> Delta commit visible, polled every ` +
          `${POLL_MS} ms; trigger ${settings.triggerMs} ms; ${
            r.plan.durationMs / 1000
          } s per step after ${r.plan.warmupMs / 1000} s warm-up). Goal per step: achieved >= ` +
          `${RATE_TOLERANCE * 100}% of target AND p99 < ${P99_LIMIT_MS} ms AND nothing missing`,
      );
      table(
        [
          "target/s/stream",
          "achieved/s",
          "committed/s",
          "rows",
          "failed",
          "missing",
          "p50 ms",
          "p99 ms",
          "max ms",
          "commits",
          "batch ms p50/max",
          "fetch/add/ckpt p50",
          "CPU s prod/proxy/kin/query",
          "query RSS",
          "verdict",
        ],
        r.steps.map((s) => [
          String(s.targetPerStream),
          s.achievedPerStream.toFixed(0),
          s.committedPerStream.toFixed(0),
          String(s.rows),
          String(s.failed),
          String(s.missing),
          ms(percentile(s.freshness, 0.5)),
          ms(s.p99Ms),
          ms(s.freshness.at(-1) ?? NaN),
          String(s.commits),
          `${ms(percentile(s.batchMs, 0.5))}/${ms(s.batchMs.at(-1) ?? NaN)}`,
          `${ms(s.phaseMs.fetch)}/${ms(s.phaseMs.addBatch)}/${ms(s.phaseMs.checkpoint)}`,
          [s.cpu.producer, s.cpu.proxy, s.cpu.kinesis, s.cpu.query].map((c) => c.toFixed(1)).join(
            "/",
          ),
          mib(s.peakRssBytes),
          formatVerdict(s.verdict),
        ]),
      );
      const ceiling = sustainedCeiling(r.steps);
      console.log(
        `sustained ceiling: ${
          ceiling === undefined
            ? "none (the lowest step was not met)"
            : `${ceiling} rows/s per stream`
        } (highest step met, every lower step met too; steps: ${
          r.steps.map((s) => s.targetPerStream).join(", ")
        })`,
      );
    }
    if (r.drains.length) {
      console.log(
        `\nDrain: cli/query.ts --trigger available-now vs raw GetRecords (all shards in parallel, ` +
          `10,000 a call), each a process timed from spawn to exit (start-up included). ` +
          `Goal: ratio >= 0.8. Peak RSS = VmHWM of the query process; RSS by half = the ` +
          `largest RSS sampled (every 100 ms) in the first and the second half of its run`,
      );
      table(
        [
          "data",
          "records",
          "MiB",
          "load rec/s",
          "query s",
          "query rec/s",
          "committed",
          "raw s",
          "raw rec/s",
          "ratio",
          "peak RSS",
          "RSS by half",
          "verdict",
        ],
        r.drains.map((d) => [
          d.label,
          String(d.records),
          (d.bytes / MiB).toFixed(1),
          d.loadPerSecond === undefined ? "-" : d.loadPerSecond.toFixed(0),
          (d.ms / 1000).toFixed(1),
          rate(d.records, d.ms),
          String(d.committed),
          (d.raw.ms / 1000).toFixed(1),
          rate(d.raw.records, d.raw.ms),
          d.verdict.ratio.toFixed(2),
          mib(d.peakRssBytes),
          `${mib(d.rssHalves[0])} / ${mib(d.rssHalves[1])}`,
          formatVerdict(d.verdict),
        ]),
      );
    }
  }
  printGoals(results);
}

function printGoals(results: EngineResult[]): void {
  const rows: string[][] = [];
  for (const r of results) {
    const name = r.engine;
    const at1000 = r.steps.find((s) => s.targetPerStream === 1000) ?? r.steps[0];
    if (at1000) {
      rows.push([
        `${name}: p99 < 1 s at ${at1000.targetPerStream} rows/s per stream, rate within 5%`,
        `${at1000.achievedPerStream.toFixed(0)}/s, p99 ${
          ms(at1000.p99Ms)
        } ms, ${at1000.missing} missing`,
        formatVerdict(at1000.verdict),
      ]);
    }
    if (r.steps.length > 1) {
      const ceiling = sustainedCeiling(r.steps);
      rows.push([
        `${name}: sustained ceiling (highest step met)`,
        ceiling === undefined ? "none" : `${ceiling} rows/s per stream`,
        ceiling === undefined ? "not met" : "measured",
      ]);
    }
    const biggest = [...r.drains].sort((a, b) => b.records - a.records)[0];
    if (biggest) {
      rows.push([
        `${name}: drain >= 0.8 x raw GetRecords (${biggest.records} records)`,
        `${biggest.verdict.ratio.toFixed(2)} (${rate(biggest.records, biggest.ms)} vs ${
          rate(biggest.raw.records, biggest.raw.ms)
        } rec/s)`,
        formatVerdict(biggest.verdict),
      ]);
    }
    const backlog = r.drains.filter((d) => d.label.startsWith("backlog"));
    if (backlog.length) {
      const v = memoryVerdict(
        backlog.map((d) => ({ records: d.records, peakBytes: d.peakRssBytes })),
      );
      rows.push([
        `${name}: query peak RSS < ${
          MEMORY_LIMIT_BYTES / 1024 ** 3
        } GiB, not growing with the backlog`,
        backlog.map((d) => `${mib(d.peakRssBytes)} at ${d.records}`).join(", "),
        formatVerdict(v),
      ]);
      const bound = backlog[0]!.batchBound ?? 0;
      const full = backlog.filter((d) => d.records > bound);
      const bounded = boundedMemoryVerdict(
        backlog.map((d) => ({ records: d.records, peakBytes: d.peakRssBytes })),
        bound,
      );
      if (bounded) {
        rows.push([
          `${name}: the same over the backlogs above one batch of every query (${bound} records)`,
          full.map((d) => `${mib(d.peakRssBytes)} at ${d.records}`).join(", "),
          formatVerdict(bounded),
        ]);
      }
      const largest = backlog.at(-1)!;
      rows.push([
        `${name}: query RSS in the 2nd half of the ${largest.records}-record drain <= 1.1x the 1st`,
        `${mib(largest.rssHalves[0])} / ${mib(largest.rssHalves[1])}`,
        formatVerdict(ratioVerdict(largest.rssHalves[1], largest.rssHalves[0], 1.1)),
      ]);
    }
  }
  console.log("\nGoals (issue 10)");
  table(["goal", "measured", "verdict"], rows);
}

/** The 1, 5 and 15 minute load averages, or "?" off Linux. */
function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}
