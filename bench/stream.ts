/**
 * `deno task bench stream`: the streaming queries' end-to-end freshness,
 * drain rate and memory, against the local Kinesis emulator.
 *
 * 1. Freshness, per rate of `--rates` (rows/s summed over the pin, geo and
 *    user streams): rows are posted through the API proxy (`serveApi`) for
 *    `--warmup` (not measured) then `--duration`, while the three queries
 *    run in a process of their own (`bench/_stream_query.ts`, trigger
 *    `--trigger`). Each row carries a unique `ind` (pin: `index`). A row's
 *    freshness is the time from the API's 200 for the request that held it
 *    to the moment the Delta commit holding it is visible: the benchmark
 *    polls each table's `_delta_log` for the next `<version>.json` every
 *    10 ms (commits are created atomically, so a reader that lists the log
 *    then sees the row), and reads the `ind` column of the files the commit
 *    adds. p50/p99, committed rows/s, then the same streams drained again
 *    by a fresh available-now query process and by raw GetRecords calls
 *    (every shard in parallel, 10,000 a call, no pause): rows/s and ratio.
 * 2. Memory: a backlog loaded straight into the streams (SDK PutRecords of
 *    500), drained by an available-now query process whose peak RSS (VmHWM)
 *    is reported, for two backlog sizes with a small `maxRecordsPerFetch`
 *    (so that both span several batches: peak RSS should be flat), and for
 *    the largest with the default 10,000 (one batch holds more).
 *
 * @module
 */
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { join } from "node:path";
import pl from "nodejs-polars";
import { type ApiServer, serveApi } from "../lib/api/app.ts";
import { streamNames, tableName } from "../lib/config.ts";
import { readSource, type SourceTables } from "../lib/data/mod.ts";
import { commitFileName, LOG_DIR, readCommit } from "../lib/delta/log.ts";
import { dataFilePath } from "../lib/delta/read.ts";
import { DEFAULT_SOURCE_DIR, putRecords, sendToKinesis } from "../lib/emit/mod.ts";
import { deleteStream, ensureStreams, listShards } from "../lib/kinesis/admin.ts";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { readShard, readStreamRecords } from "../lib/kinesis/read.ts";
import { type Emulator, startEmulator } from "../lib/kinesis/emulator.ts";
import { RECORD_KINDS, type RecordKind } from "../lib/records.ts";
import {
  durationFlag,
  numberFlag,
  onShutdownSignal,
  parseFlags,
  UsageError,
} from "../cli/_args.ts";
import { peakRss, type QueryProcessEvent, type QueryProcessOptions } from "./_stream_query.ts";

const USAGE =
  `Usage: deno task bench stream [-- --rates 200,1000,5000 --duration 10s --trigger 250ms --backlog 3000,9000]

Posts rows through the API proxy at steady rates while the pin, geo and user
queries run in their own process, and measures freshness (API 200 -> Delta
commit visible, p50/p99), committed rows/s, and the drain rate of a fresh
available-now query against raw GetRecords on the same data. Then drains a
backlog of two sizes and reports the query process's peak RSS.`;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const POLL_MS = 10;
/** Requests in flight when posting: more only queues them in a saturated emulator. */
const MAX_IN_FLIGHT = { single: 16, batch: 2 };
const encoder = new TextEncoder();

/** Runs the benchmark with command-line `args` (see `--help`). */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    rates: {
      type: "string",
      value: "LIST",
      help: "rows/s over the three streams, comma-separated; none to skip (default 200,1000,5000)",
    },
    duration: { type: "string", help: "measured posting time per rate (default 10s)" },
    warmup: { type: "string", help: "posting before the measurement, per rate (default 2s)" },
    trigger: { type: "string", help: "the queries' processing-time trigger (default 250ms)" },
    put: {
      type: "string",
      value: "MODE",
      help: "single (PUT /record each row), batch (PUT /records every 50 ms per stream), " +
        "or auto: single up to 200 rows/s, batch above (default auto)",
    },
    "min-fetch-period": {
      type: "string",
      help: "the queries' least time between GetRecords per shard (default the query's, 400ms)",
    },
    backlog: {
      type: "string",
      value: "N,N",
      help: "backlog sizes in records over the three streams, ascending; 0 to skip " +
        "(default 3000,9000)",
    },
    "backlog-fetch": {
      type: "string",
      value: "N",
      help: "maxRecordsPerFetch of the backlog size comparison (default 100)",
    },
  }, USAGE);
  const rates = flags.rates === "none" ? [] : String(flags.rates ?? "200,1000,5000").split(",")
    .map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isInteger(r) || r < 3 || r > 50_000)) {
    throw new UsageError(`Invalid --rates "${flags.rates}": expected integers from 3 to 50000`);
  }
  const durationMs = durationFlag("duration", flags.duration) ?? 10_000;
  const warmupMs = durationFlag("warmup", flags.warmup) ?? 2_000;
  const triggerMs = durationFlag("trigger", flags.trigger) ?? 250;
  const put = String(flags.put ?? "auto");
  if (!["auto", "single", "batch"].includes(put)) {
    throw new UsageError(`Invalid --put "${put}": expected auto, single or batch`);
  }
  const minFetchPeriodMs = durationFlag("min-fetch-period", flags["min-fetch-period"]);
  const backlog = flags.backlog === "0" ? [] : String(flags.backlog ?? "3000,9000").split(",")
    .map((n) => Number(n.trim()));
  if (
    backlog.some((n) => !Number.isInteger(n) || n < 3 || n > 10_000_000) ||
    backlog.some((n, i) => i > 0 && n <= backlog[i - 1]!)
  ) {
    throw new UsageError(
      `Invalid --backlog "${flags.backlog}": expected ascending integers from 3 to 10000000`,
    );
  }
  const backlogFetch =
    numberFlag("backlog-fetch", flags["backlog-fetch"], { min: 1, max: 10_000 }) ??
      100;

  const interrupt = new AbortController();
  const removeSignals = onShutdownSignal((s) => {
    console.log(`\n${s}: stopping the benchmark and cleaning up`);
    interrupt.abort(new Error(`Interrupted (${s})`));
  });
  const dir = await Deno.makeTempDir({ prefix: "pinstream-bench-stream-" });
  const ctx: Context = {
    dir,
    signal: interrupt.signal,
    children: new Set(),
    source: await readSource(DEFAULT_SOURCE_DIR),
    minFetchPeriodMs,
  } as Context;
  let emulator: Emulator | undefined;
  let api: ApiServer | undefined;
  try {
    emulator = await startEmulator();
    ctx.endpoint = emulator.endpoint;
    ctx.kinesis = createKinesisClient({ endpoint: emulator.endpoint, maxAttempts: 5 });
    api = serveApi(ctx.kinesis);
    ctx.apiUrl = api.url;
    console.log(
      `kinesis-local ${emulator.version} (hosted by ${emulator.host}), API proxy at ${api.url}, ` +
        `queries in a child process; trigger ${triggerMs} ms, minFetchPeriod ${
          minFetchPeriodMs ?? "400 (default)"
        } ms; ${navigator.hardwareConcurrency} CPUs, load average ${loadAverage()}`,
    );

    const rateResults: RateResult[] = [];
    for (const rate of rates) {
      const batch = put === "batch" || (put === "auto" && rate > 200);
      console.log(
        `\n-- ${rate} rows/s for ${warmupMs / 1000}+${durationMs / 1000} s, ${
          batch ? "PUT /records batches every 50 ms" : "PUT /record per row"
        }`,
      );
      rateResults.push(await ratePhase(ctx, { rate, batch, durationMs, warmupMs, triggerMs }));
    }
    if (rateResults.length) printRates(rateResults, triggerMs);

    const backlogResults = backlog.length ? await backlogPhase(ctx, backlog, backlogFetch) : [];
    if (backlogResults.length) printBacklog(backlogResults);

    printGoals(rateResults, backlogResults, triggerMs);
    console.log(
      `load average at the end: ${loadAverage()} (other work on the machine slows the emulator)`,
    );
  } finally {
    removeSignals();
    await Promise.all([...ctx.children].map((c) => c.kill()));
    await api?.shutdown().catch(() => {});
    ctx.kinesis?.destroy();
    await emulator?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  if (interrupt.signal.aborted) throw interrupt.signal.reason;
}

interface Context {
  dir: string;
  endpoint: string;
  kinesis: KinesisClient;
  apiUrl: string;
  signal: AbortSignal;
  children: Set<QueryProcess>;
  source: SourceTables;
  minFetchPeriodMs: number | undefined;
}

// ---------------------------------------------------------------- records

/** Row `n` of a phase: kind `n % 3`, a source row, and `ind` (pin: `index`) set to `n`. */
function makeRow(source: SourceTables, n: number): { kind: RecordKind; data: unknown } {
  const kind = RECORD_KINDS[n % RECORD_KINDS.length]!;
  const rows = source[kind];
  const row = rows[Math.floor(n / RECORD_KINDS.length) % rows.length] as Record<string, unknown>;
  return { kind, data: kind === "pin" ? { ...row, index: n } : { ...row, ind: n } };
}

// ---------------------------------------------------------------- posting

/** Options of {@linkcode postSteady}. */
export interface PostOptions {
  rate: number;
  durationMs: number;
  batch: boolean;
  /** First row number. */
  from: number;
  /** Row number -> performance.now() of the 200 that acknowledged it. */
  okAt: Map<number, number>;
}

/**
 * Posts rows through the API at `rate` for `durationMs`; returns the next row
 * number and failures. Nothing is sent after `durationMs`: a saturated
 * emulator must not stretch the posting (rows due but not sent by then are
 * skipped, not posted late); only the requests in flight at the end finish.
 */
export async function postSteady(
  ctx: Pick<Context, "apiUrl" | "signal" | "source">,
  streams: Record<RecordKind, string>,
  options: PostOptions,
): Promise<{ next: number; failed: number }> {
  const { rate, durationMs, batch, okAt } = options;
  const tickMs = batch ? 50 : 5;
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const open = () => performance.now() < end && !ctx.signal.aborted;
  /** Starts `task` once a slot is free; false (nothing started) when the window closed meanwhile. */
  const launch = async (task: () => Promise<number>): Promise<boolean> => {
    while (inFlight.size >= MAX_IN_FLIGHT[batch ? "batch" : "single"]) await Promise.race(inFlight);
    if (!open()) return false;
    const p = task().then((f) => void (failed += f)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    return true;
  };
  let next = options.from;
  posting: while (open()) {
    const due = options.from + Math.floor((performance.now() - t0) / 1000 * rate);
    if (batch) {
      const byKind = new Map<RecordKind, { n: number; data: unknown }[]>();
      for (; next < due; next++) {
        const { kind, data } = makeRow(ctx.source, next);
        if (!byKind.has(kind)) byKind.set(kind, []);
        byKind.get(kind)!.push({ n: next, data });
      }
      for (const [kind, rows] of byKind) {
        for (let i = 0; i < rows.length; i += 500) {
          const chunk = rows.slice(i, i + 500);
          if (!(await launch(() => putBatch(ctx, streams[kind], chunk, okAt)))) break posting;
        }
      }
    } else {
      while (next < due && open()) {
        const n = next++;
        const { kind, data } = makeRow(ctx.source, n);
        if (!(await launch(() => putOne(ctx, streams[kind], n, data, okAt)))) break posting;
      }
    }
    await sleep(tickMs, ctx.signal);
  }
  await Promise.all(inFlight);
  return { next, failed };
}

/** One row with `PUT /streams/{s}/record` (`sendToKinesis`), retried; returns 1 when it failed for good. */
async function putOne(
  ctx: Pick<Context, "apiUrl" | "signal">,
  stream: string,
  n: number,
  data: unknown,
  okAt: Map<number, number>,
): Promise<number> {
  const partitionKey = crypto.randomUUID();
  // Freshness starts when the producer hands the row to its client.
  const handed = performance.now();
  for (let attempt = 0; attempt < 5 && !ctx.signal.aborted; attempt++) {
    try {
      await sendToKinesis(data, stream, { apiUrl: ctx.apiUrl, partitionKey, signal: ctx.signal });
      okAt.set(n, handed);
      return 0;
    } catch { /* retried */ }
    await sleep(100 * 2 ** attempt, ctx.signal);
  }
  return 1;
}

/** Rows with `PUT /streams/{s}/records` (`putRecords`), failed entries retried; returns failures. */
async function putBatch(
  ctx: Pick<Context, "apiUrl" | "signal">,
  stream: string,
  rows: { n: number; data: unknown }[],
  okAt: Map<number, number>,
): Promise<number> {
  // Freshness starts when the producer hands the rows to its client.
  const handed = performance.now();
  let pending = rows.map((r) => ({ ...r, partitionKey: crypto.randomUUID() }));
  for (let attempt = 0; attempt < 5 && pending.length && !ctx.signal.aborted; attempt++) {
    try {
      const out = await putRecords(pending, stream, { apiUrl: ctx.apiUrl, signal: ctx.signal });
      const retry: typeof pending = [];
      pending.forEach((r, i) => {
        if (out.Records[i]?.ErrorCode === undefined) okAt.set(r.n, handed);
        else retry.push(r);
      });
      pending = retry;
      if (!pending.length) return 0;
    } catch { /* retried */ }
    await sleep(100 * 2 ** attempt, ctx.signal);
  }
  return pending.length;
}

/** Loads `count` rows from `from` straight into the streams with PutRecords of 500, 3 in flight. */
async function loadBacklog(
  ctx: Context,
  streams: Record<RecordKind, string>,
  from: number,
  count: number,
): Promise<number> {
  let bytes = 0;
  const chunks: { stream: string; records: Uint8Array[] }[] = [];
  const byKind = new Map<RecordKind, Uint8Array[]>();
  for (let n = from; n < from + count; n++) {
    const { kind, data } = makeRow(ctx.source, n);
    const b = encoder.encode(JSON.stringify(data));
    bytes += b.byteLength;
    if (!byKind.has(kind)) byKind.set(kind, []);
    const list = byKind.get(kind)!;
    list.push(b);
    if (list.length === 500) {
      chunks.push({ stream: streams[kind], records: list });
      byKind.set(kind, []);
    }
  }
  for (const [kind, list] of byKind) {
    if (list.length) chunks.push({ stream: streams[kind], records: list });
  }
  let i = 0;
  await Promise.all(Array.from({ length: 3 }, async () => {
    while (i < chunks.length && !ctx.signal.aborted) {
      const { stream, records } = chunks[i++]!;
      let pending = records;
      while (pending.length && !ctx.signal.aborted) {
        const out = await ctx.kinesis.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: pending.map((Data) => ({ Data, PartitionKey: crypto.randomUUID() })),
          }),
          { abortSignal: ctx.signal },
        );
        pending = pending.filter((_, j) => out.Records?.[j]?.ErrorCode !== undefined);
        if (pending.length) await sleep(200, ctx.signal);
      }
    }
  }));
  return bytes;
}

// ---------------------------------------------------------------- the query process

/** The queries' process (`bench/_stream_query.ts`), its events and peak RSS. */
class QueryProcess {
  readonly events: QueryProcessEvent[] = [];
  readonly ready: Promise<void>;
  readonly exited: Promise<number>;
  #child: Deno.ChildProcess;
  #stderr: string[] = [];
  #sampledPeak = 0;
  #running = true;

  constructor(ctx: Context, options: Omit<QueryProcessOptions, "endpoint">) {
    const main = new URL("./_stream_query.ts", import.meta.url).pathname;
    const full: QueryProcessOptions = { ...options, endpoint: ctx.endpoint };
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, JSON.stringify(full)],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    ctx.children.add(this);
    // A fallback when the process dies before reporting its own peak.
    const sampler = setInterval(() => {
      this.#sampledPeak = Math.max(this.#sampledPeak, peakRss(this.#child.pid));
    }, 50);
    let onReady!: () => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise((res, rej) => [onReady, onFail] = [res, rej]);
    const out = lines(this.#child.stdout, (line) => {
      if (!line.startsWith("{")) return;
      const e = JSON.parse(line) as QueryProcessEvent;
      this.events.push(e);
      if (e.event === "ready") onReady();
    });
    const err = lines(this.#child.stderr, (line) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 20) this.#stderr.shift();
    });
    this.exited = this.#child.status.then(async (s) => {
      clearInterval(sampler);
      this.#running = false;
      await Promise.allSettled([out, err]);
      ctx.children.delete(this);
      onFail(
        new Error(`The query process exited (${s.code}) before it was ready\n${this.stderrTail}`),
      );
      return s.code;
    });
  }

  get stderrTail(): string {
    return this.#stderr.join("\n");
  }

  /** The peak RSS: VmHWM as the process reported it on exit, else the largest sampled. */
  get peakRssBytes(): number {
    const done = this.events.find((e) => e.event === "done");
    return done && done.event === "done" ? done.peakRssBytes : this.#sampledPeak;
  }

  get error(): string | undefined {
    const done = this.events.find((e) => e.event === "done");
    return done && done.event === "done" ? done.error : undefined;
  }

  get batches(): Extract<QueryProcessEvent, { event: "batch" }>[] {
    return this.events.filter((e) => e.event === "batch");
  }

  /** Asks the queries to stop (the batch in progress commits). */
  stop(): void {
    if (this.#running) this.#child.kill("SIGINT");
  }

  /** Stops the process: SIGTERM, then SIGKILL after 5 s. */
  async kill(): Promise<void> {
    if (!this.#running) return;
    try {
      this.#child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5_000);
    await this.exited;
    clearTimeout(timer);
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

/** Polls the tables' logs for new commits and notes when each row became visible. */
class TableWatch {
  /** Row number -> performance.now() when its commit was first seen. */
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
      const seen = performance.now();
      const commit = await readCommit(logDir, version);
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

// ---------------------------------------------------------------- raw drain

/** Reads every shard of the streams from TRIM_HORIZON to the tip, all in parallel. */
async function rawDrain(
  kinesis: KinesisClient,
  streams: string[],
): Promise<{ records: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  let records = 0;
  let bytes = 0;
  await Promise.all(streams.map(async (stream) => {
    await Promise.all((await listShards(kinesis, stream)).map(async (shard) => {
      // Caught up, as the query's source decides it too.
      for await (const page of readShard(kinesis, stream, shard.shardId)) {
        for (const r of page) bytes += r.Data?.byteLength ?? 0;
        records += page.length;
      }
    }));
  }));
  return { records, bytes, ms: performance.now() - t0 };
}

/**
 * The measured rows (from `from`) acknowledged but never seen in a table,
 * split by whether the stream holds them: every shard read back from
 * TRIM_HORIZON until an empty answer at the tip.
 */
async function missingRows(
  kinesis: KinesisClient,
  streams: Record<RecordKind, string>,
  okAt: Map<number, number>,
  watch: TableWatch,
  from: number,
): Promise<{ fromStream: number; sample: number[] }> {
  const inStream = new Set<number>();
  const decoder = new TextDecoder();
  for (const stream of Object.values(streams)) {
    for (const r of await readStreamRecords(kinesis, stream, { untilEmpty: true })) {
      const row = JSON.parse(decoder.decode(r.Data)) as { ind?: number; index?: number };
      inStream.add(Number(row.ind ?? row.index));
    }
  }
  const missing = [...okAt.keys()].filter((n) => n >= from && !watch.visibleAt.has(n));
  return {
    fromStream: missing.filter((n) => !inStream.has(n)).length,
    sample: missing.slice(0, 5),
  };
}

interface DrainResult {
  /** Rows committed by the available-now queries. */
  rows: number;
  batches: number;
  maxBatchRows: number;
  /** First trigger start to last commit, over the three queries. */
  ms: number;
  peakRssBytes: number;
  raw: { records: number; bytes: number; ms: number };
}

/** Drains the streams of `userId` with a fresh available-now query process, then raw. */
async function drain(
  ctx: Context,
  userId: string,
  label: string,
  maxRecordsPerFetch?: number,
): Promise<DrainResult> {
  const q = new QueryProcess(ctx, {
    userId,
    lakehouseDir: join(ctx.dir, userId, `${label}-lakehouse`),
    checkpointDir: join(ctx.dir, userId, `${label}-checkpoints`),
    trigger: "available-now",
    minFetchPeriodMs: ctx.minFetchPeriodMs,
    maxRecordsPerFetch,
  });
  q.ready.catch(() => {});
  const code = await q.exited;
  if (code !== 0 || q.error) {
    throw new Error(`The drain query failed (${code}): ${q.error ?? q.stderrTail}`);
  }
  const batches = q.batches;
  const start = Math.min(...batches.map((b) => b.startedAt));
  const end = Math.max(...batches.map((b) => b.committedAt));
  const raw = await rawDrain(ctx.kinesis, Object.values(streamNames(userId)));
  return {
    rows: batches.reduce((n, b) => n + b.rows, 0),
    batches: batches.length,
    maxBatchRows: Math.max(0, ...batches.map((b) => b.rows)),
    ms: batches.length ? end - start : 0,
    peakRssBytes: q.peakRssBytes,
    raw,
  };
}

// ---------------------------------------------------------------- steady rates

interface RateResult {
  rate: number;
  batch: boolean;
  shards: number;
  postedPerSecond: number;
  failed: number;
  measured: number;
  /** Acknowledged rows never seen in a table (absentFromStream of them not even in the stream). */
  missing: number;
  /** Acknowledged by the API but absent from the stream read back from TRIM_HORIZON: the emulator's. */
  absentFromStream: number;
  freshness: number[];
  committedPerSecond: number;
  commits: number;
  /** triggerExecution of the query's batches, sorted. */
  batchMs: number[];
  peakRssBytes: number;
  drain: DrainResult;
}

async function ratePhase(
  ctx: Context,
  o: { rate: number; batch: boolean; durationMs: number; warmupMs: number; triggerMs: number },
): Promise<RateResult> {
  const userId = `benchrate${o.rate}`;
  const described = await ensureStreams(ctx.kinesis, userId);
  const streams = streamNames(userId);
  const lakehouseDir = join(ctx.dir, userId, "lakehouse");
  const query = new QueryProcess(ctx, {
    userId,
    lakehouseDir,
    checkpointDir: join(ctx.dir, userId, "checkpoints"),
    trigger: o.triggerMs,
    minFetchPeriodMs: ctx.minFetchPeriodMs,
  });
  await query.ready;
  const watch = new TableWatch(
    RECORD_KINDS.map((k) => join(lakehouseDir, "default", tableName(userId, k))),
    ctx.signal,
  );
  const okAt = new Map<number, number>();
  const warm = await postSteady(ctx, streams, { ...o, durationMs: o.warmupMs, from: 0, okAt });
  const m0 = performance.now();
  const measured = await postSteady(ctx, streams, { ...o, from: warm.next, okAt });
  // The window is the posting time; requests still in flight after it count as late, not slow.
  const m1 = m0 + o.durationMs;
  // Every acknowledged row should become visible; give up 30 s after the last answer.
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && !ctx.signal.aborted) {
    if ([...okAt.keys()].every((n) => watch.visibleAt.has(n))) break;
    await sleep(50, ctx.signal);
  }
  query.stop();
  await query.exited;
  await watch.stop();
  if (ctx.signal.aborted) throw ctx.signal.reason;

  const freshness: number[] = [];
  let missing = 0;
  let postedInWindow = 0;
  for (const [n, ok] of okAt) {
    if (n < warm.next) continue;
    if (ok <= m1) postedInWindow++;
    const seen = watch.visibleAt.get(n);
    if (seen === undefined) missing++;
    else freshness.push(seen - ok);
  }
  freshness.sort((a, b) => a - b);
  const absent = missing ? await missingRows(ctx.kinesis, streams, okAt, watch, warm.next) : null;
  const windowS = (m1 - m0) / 1000;
  const committedInWindow = [...watch.visibleAt.values()].filter((t) => t >= m0 && t <= m1).length;
  const drained = await drain(ctx, userId, "drain");
  // The emulator allows few on-demand streams: this phase's go before the next.
  await Promise.all(Object.values(streams).map((s) => deleteStream(ctx.kinesis, s)));
  const result: RateResult = {
    rate: o.rate,
    batch: o.batch,
    shards: Object.values(described).reduce((n, d) => n + d.shards.length, 0),
    postedPerSecond: postedInWindow / windowS,
    failed: measured.failed + warm.failed,
    measured: freshness.length + missing,
    missing,
    absentFromStream: absent?.fromStream ?? 0,
    freshness,
    committedPerSecond: committedInWindow / windowS,
    commits: watch.commits,
    batchMs: query.batches.map((b) => b.triggerMs).sort((a, b) => a - b),
    peakRssBytes: query.peakRssBytes,
    drain: drained,
  };
  console.log(
    `posted ${result.postedPerSecond.toFixed(0)} rows/s, committed ${
      result.committedPerSecond.toFixed(0)
    } rows/s, freshness p50 ${pct(freshness, 0.5).toFixed(0)} ms p99 ${
      pct(freshness, 0.99).toFixed(0)
    } ms; drain ${rowsPerS(drained.rows, drained.ms)} vs raw ${
      rowsPerS(drained.raw.records, drained.raw.ms)
    } rows/s`,
  );
  if (absent) {
    console.log(
      `missing ${missing}: ${absent.fromStream} acknowledged but absent from the stream ` +
        `(emulator), ${missing - absent.fromStream} in the stream but absent from the tables; ` +
        `e.g. ${absent.sample.join(", ")}`,
    );
  }
  return result;
}

// ---------------------------------------------------------------- backlog

interface BacklogResult {
  label: string;
  records: number;
  bytes: number;
  loadMs: number;
  maxRecordsPerFetch: number;
  drain: DrainResult;
}

async function backlogPhase(
  ctx: Context,
  sizes: number[],
  fetch: number,
): Promise<BacklogResult[]> {
  const userId = "benchbacklog";
  await ensureStreams(ctx.kinesis, userId);
  const streams = streamNames(userId);
  const results: BacklogResult[] = [];
  let loaded = 0;
  let bytes = 0;
  let loadMs = 0;
  for (const [i, size] of sizes.entries()) {
    console.log(`\n-- backlog: loading ${size - loaded} more records (PutRecords of 500)`);
    const t0 = performance.now();
    bytes += await loadBacklog(ctx, streams, loaded, size - loaded);
    loadMs += performance.now() - t0;
    loaded = size;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    console.log(
      `loaded ${size} records in ${
        (loadMs / 1000).toFixed(1)
      } s; draining (maxRecordsPerFetch ${fetch})`,
    );
    const d = await drain(ctx, userId, `backlog${i}`, fetch);
    results.push({
      label: `size ${i + 1}`,
      records: size,
      bytes,
      loadMs,
      maxRecordsPerFetch: fetch,
      drain: d,
    });
  }
  if (fetch !== 10_000) {
    console.log(`draining ${loaded} records again with the default maxRecordsPerFetch 10000`);
    const d = await drain(ctx, userId, "backlog-default");
    results.push({
      label: "default fetch",
      records: loaded,
      bytes,
      loadMs,
      maxRecordsPerFetch: 10_000,
      drain: d,
    });
  }
  return results;
}

// ---------------------------------------------------------------- output

function pct(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function rowsPerS(rows: number, ms: number): string {
  return ms > 0 ? (rows * 1000 / ms).toFixed(0) : "-";
}

function ratio(d: DrainResult): number {
  const ours = d.ms > 0 ? d.rows / d.ms : 0;
  const raw = d.raw.ms > 0 ? d.raw.records / d.raw.ms : 0;
  return raw > 0 ? ours / raw : NaN;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

function printRates(results: RateResult[], triggerMs: number): void {
  console.log(
    `\nFreshness: API 200 -> Delta commit holding the row visible in _delta_log ` +
      `(polled every ${POLL_MS} ms), trigger ${triggerMs} ms, warm-up rows excluded`,
  );
  table(
    [
      "target/s",
      "put",
      "posted/s",
      "committed/s",
      "rows",
      "missing",
      "p50 ms",
      "p99 ms",
      "max ms",
      "commits",
      "batch ms p50/max",
      "query RSS",
    ],
    results.map((r) => [
      String(r.rate),
      r.batch ? "batch" : "single",
      r.postedPerSecond.toFixed(0),
      r.committedPerSecond.toFixed(0),
      String(r.measured),
      r.absentFromStream ? `${r.missing} (${r.absentFromStream} not in stream)` : String(r.missing),
      pct(r.freshness, 0.5).toFixed(0),
      pct(r.freshness, 0.99).toFixed(0),
      (r.freshness.at(-1) ?? NaN).toFixed(0),
      String(r.commits),
      `${pct(r.batchMs, 0.5).toFixed(0)}/${(r.batchMs.at(-1) ?? NaN).toFixed(0)}`,
      mib(r.peakRssBytes),
    ]),
  );
  const short = results.filter((r) => r.postedPerSecond < r.rate * 0.95);
  for (const r of short) {
    console.log(
      `note: the emulator took ${r.postedPerSecond.toFixed(0)} of the ${r.rate} rows/s asked ` +
        `(${r.batch ? "PutRecords batches" : "one PutRecord per row"}); ` +
        `${r.failed} rows failed after 5 attempts`,
    );
  }
  console.log(
    `\nDrain of the same data (all rows posted at that rate, ${results[0]?.shards} shards ` +
      `over the three streams): a fresh available-now query process (first trigger start to ` +
      `last commit) vs raw GetRecords (all shards in parallel, 10,000 a call, no pause)`,
  );
  table(
    ["target/s", "records", "batches", "ours rows/s", "raw rows/s", "ours/raw"],
    results.map((r) => [
      String(r.rate),
      String(r.drain.raw.records),
      String(r.drain.batches),
      rowsPerS(r.drain.rows, r.drain.ms),
      rowsPerS(r.drain.raw.records, r.drain.raw.ms),
      ratio(r.drain).toFixed(2),
    ]),
  );
}

function printBacklog(results: BacklogResult[]): void {
  console.log(
    `\nMemory while draining a backlog: peak RSS (VmHWM) of the available-now query process; ` +
      `records loaded with SDK PutRecords of 500`,
  );
  table(
    [
      "backlog",
      "records",
      "data",
      "load rec/s",
      "fetch",
      "batches",
      "max rows/batch",
      "ours rows/s",
      "raw rows/s",
      "ours/raw",
      "peak RSS",
    ],
    results.map((r) => [
      r.label,
      String(r.records),
      `${(r.bytes / MiB).toFixed(1)} MiB`,
      (r.records * 1000 / r.loadMs).toFixed(0),
      String(r.maxRecordsPerFetch),
      String(r.drain.batches),
      String(r.drain.maxBatchRows),
      rowsPerS(r.drain.rows, r.drain.ms),
      rowsPerS(r.drain.raw.records, r.drain.raw.ms),
      ratio(r.drain).toFixed(2),
      mib(r.drain.peakRssBytes),
    ]),
  );
  const [a, b] = results;
  if (a && b && b.maxRecordsPerFetch === a.maxRecordsPerFetch) {
    const growth = (b.drain.peakRssBytes - a.drain.peakRssBytes) / a.drain.peakRssBytes;
    console.log(
      `peak RSS at ${b.records} vs ${a.records} records (same maxRecordsPerFetch): ${
        growth >= 0 ? "+" : ""
      }${(growth * 100).toFixed(0)}% for ${(b.records / a.records).toFixed(1)}x the backlog`,
    );
  }
  console.log(
    "Memory is bounded by design: a batch reads at most maxRecordsPerFetch records per shard\n" +
      "(one GetRecords call fills a shard's buffer; the next is fetched only for the next batch),\n" +
      "the batch is written and dropped before the next starts, so the peak depends on\n" +
      "shards x maxRecordsPerFetch x record size, not on the backlog. With the default 10,000\n" +
      "and 12 shards a batch holds up to 120,000 records per process; a larger backlog only\n" +
      "takes more batches.",
  );
}

function printGoals(rates: RateResult[], backlog: BacklogResult[], triggerMs: number): void {
  const rows: string[][] = [];
  const at1000 = rates.find((r) => r.rate === 1000);
  if (at1000) {
    const p99 = pct(at1000.freshness, 0.99);
    rows.push([
      `freshness p99 < 1 s at 1,000 rows/s (trigger ${triggerMs} ms)`,
      `${p99.toFixed(0)} ms (posted ${at1000.postedPerSecond.toFixed(0)}/s)`,
      p99 < 1000 && at1000.missing === 0 ? "met" : "not met",
    ]);
  }
  const drains = [...rates.map((r) => r.drain), ...backlog.map((b) => b.drain)];
  const biggest = drains.sort((x, y) => y.raw.records - x.raw.records)[0];
  if (biggest) {
    const r = ratio(biggest);
    rows.push([
      "drain >= 0.8 x raw GetRecords (largest data set)",
      `${r.toFixed(2)} (${biggest.raw.records} records)`,
      r >= 0.8 ? "met" : "not met",
    ]);
  }
  if (backlog.length) {
    const peak = Math.max(...backlog.map((b) => b.drain.peakRssBytes));
    const [a, b] = backlog;
    const flat = a && b && b.maxRecordsPerFetch === a.maxRecordsPerFetch
      ? b.drain.peakRssBytes <= a.drain.peakRssBytes * 1.15
      : true;
    rows.push([
      "memory bounded (< 1 GiB) whatever the backlog",
      `peak ${mib(peak)}; ${flat ? "flat" : "not flat"} across backlog sizes`,
      peak < GiB && flat ? "met (at these sizes)" : "not met",
    ]);
  }
  console.log("\nGoals (issue 5)");
  table(["goal", "measured", ""], rows);
}

/** The 1, 5 and 15 minute load averages, or "?" off Linux. */
function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!(ms > 0) || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
