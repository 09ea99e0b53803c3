/**
 * The producer process of `deno task bench stream`: posts rows to the pin,
 * geo and user streams through the API proxy at a steady rate, with the
 * emitter's HTTP client (`putRecords`, or `sendToKinesis` per row), in a
 * process of its own so that its event loop is shared with neither the proxy
 * nor the queries.
 *
 * Options come as one JSON argument ({@linkcode ProducerOptions}). It prints
 * one JSON line per event on stdout ({@linkcode ProducerEvent}): `acks` for
 * the rows of each acknowledged request, with the wall-clock time (ms since
 * the epoch, sub-millisecond) at which the producer handed them to the client,
 * which is where a row's freshness starts; `window` once the measured window
 * is over; `done` at the end.
 *
 * @module
 */
import { sleep } from "../lib/_util/sleep.ts";
import { streamNames } from "../lib/config.ts";
import { readSource, type SourceTables } from "../lib/data/mod.ts";
import { DEFAULT_SOURCE_DIR, putRecords, sendToKinesis } from "../lib/emit/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../lib/records.ts";

/** What the benchmark asks of the producer. */
export interface ProducerOptions {
  apiUrl: string;
  userId: string;
  /** Rows per second per stream (the three streams get this each). */
  ratePerStream: number;
  /** Posting before the measured window (its rows are numbered but not measured). */
  warmupMs: number;
  /** The measured window. */
  durationMs: number;
  /** PutRecords batches (true) or one PUT per row. */
  batch: boolean;
}

/** The events printed on stdout, one JSON object a line. */
export type ProducerEvent =
  | { event: "acks"; handedAt: number; rows: number[] }
  | {
    event: "window";
    /** First row number of the measured window. */
    from: number;
    /** Row number after the last one due in the window. */
    next: number;
    /** Wall-clock start and end of the measured window. */
    start: number;
    end: number;
    failed: number;
  }
  | { event: "done"; failed: number; error?: string };

/** Wall-clock milliseconds since the epoch, sub-millisecond, comparable across processes. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Row `n` of a phase: kind `n % 3`, a source row, and `ind` (pin: `index`) set to `n`. */
export function makeRow(source: SourceTables, n: number): { kind: RecordKind; data: unknown } {
  const kind = RECORD_KINDS[n % RECORD_KINDS.length]!;
  const rows = source[kind];
  const row = rows[Math.floor(n / RECORD_KINDS.length) % rows.length] as Record<string, unknown>;
  return { kind, data: kind === "pin" ? { ...row, index: n } : { ...row, ind: n } };
}

/** Requests in flight when posting: more only queues them in a saturated Kinesis. */
const MAX_IN_FLIGHT = { single: 16, batch: 6 };

/** What {@linkcode postSteady} needs. */
export interface PostContext {
  apiUrl: string;
  signal: AbortSignal;
  source: SourceTables;
}

/** Options of {@linkcode postSteady}. */
export interface PostOptions {
  /** Rows per second over the three streams. */
  rate: number;
  durationMs: number;
  batch: boolean;
  /** First row number. */
  from: number;
  /** Row number -> wall-clock time it was handed to the client, set once acknowledged. */
  okAt?: Map<number, number>;
  /** Called with the rows of each acknowledged request and their hand-off time. */
  onAck?: (rows: number[], handedAt: number) => void;
}

/**
 * Posts rows through the API at `rate` for `durationMs`; returns the next row
 * number and failures. Nothing is sent after `durationMs`: a saturated
 * Kinesis must not stretch the posting (rows due but not sent by then are
 * skipped, not posted late); only the requests in flight at the end finish.
 * Batch mode sends one PutRecords per stream every 50 ms.
 */
export async function postSteady(
  ctx: PostContext,
  streams: Record<RecordKind, string>,
  options: PostOptions,
): Promise<{ next: number; failed: number }> {
  const { rate, durationMs, batch, okAt } = options;
  const ack = (rows: number[], handedAt: number) => {
    if (okAt) { for (const n of rows) okAt.set(n, handedAt); }
    options.onAck?.(rows, handedAt);
  };
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
          if (!(await launch(() => putBatch(ctx, streams[kind], chunk, ack)))) break posting;
        }
      }
    } else {
      while (next < due && open()) {
        const n = next++;
        const { kind, data } = makeRow(ctx.source, n);
        if (!(await launch(() => putOne(ctx, streams[kind], n, data, ack)))) break posting;
      }
    }
    await sleep(tickMs, ctx.signal);
  }
  await Promise.all(inFlight);
  return { next, failed };
}

type Ack = (rows: number[], handedAt: number) => void;

/** One row with `PUT /streams/{s}/record` (`sendToKinesis`), retried; returns 1 when it failed for good. */
async function putOne(
  ctx: PostContext,
  stream: string,
  n: number,
  data: unknown,
  ack: Ack,
): Promise<number> {
  const partitionKey = crypto.randomUUID();
  const handed = wallNow();
  for (let attempt = 0; attempt < 5 && !ctx.signal.aborted; attempt++) {
    try {
      await sendToKinesis(data, stream, { apiUrl: ctx.apiUrl, partitionKey, signal: ctx.signal });
      ack([n], handed);
      return 0;
    } catch { /* retried */ }
    await sleep(100 * 2 ** attempt, ctx.signal);
  }
  return 1;
}

/** Rows with `PUT /streams/{s}/records` (`putRecords`), failed entries retried; returns failures. */
async function putBatch(
  ctx: PostContext,
  stream: string,
  rows: { n: number; data: unknown }[],
  ack: Ack,
): Promise<number> {
  const handed = wallNow();
  let pending = rows.map((r) => ({ ...r, partitionKey: crypto.randomUUID() }));
  for (let attempt = 0; attempt < 5 && pending.length && !ctx.signal.aborted; attempt++) {
    try {
      const out = await putRecords(pending, stream, { apiUrl: ctx.apiUrl, signal: ctx.signal });
      const retry: typeof pending = [];
      const ok: number[] = [];
      pending.forEach((r, i) => {
        if (out.Records[i]?.ErrorCode === undefined) ok.push(r.n);
        else retry.push(r);
      });
      if (ok.length) ack(ok, handed);
      pending = retry;
      if (!pending.length) return 0;
    } catch { /* retried */ }
    await sleep(100 * 2 ** attempt, ctx.signal);
  }
  return pending.length;
}

if (import.meta.main) {
  const say = (e: ProducerEvent) => console.log(JSON.stringify(e));
  const o = JSON.parse(Deno.args[0] ?? "{}") as ProducerOptions;
  const stop = new AbortController();
  Deno.addSignalListener("SIGTERM", () => stop.abort());
  Deno.addSignalListener("SIGINT", () => stop.abort());
  let failed = 0;
  let error: string | undefined;
  try {
    const ctx = {
      apiUrl: o.apiUrl,
      signal: stop.signal,
      source: await readSource(DEFAULT_SOURCE_DIR),
    };
    const streams = streamNames(o.userId);
    const rate = o.ratePerStream * RECORD_KINDS.length;
    const onAck = (rows: number[], handedAt: number) => say({ event: "acks", handedAt, rows });
    const warm = await postSteady(ctx, streams, {
      rate,
      durationMs: o.warmupMs,
      batch: o.batch,
      from: 0,
      onAck,
    });
    const start = wallNow();
    const measured = await postSteady(ctx, streams, {
      rate,
      durationMs: o.durationMs,
      batch: o.batch,
      from: warm.next,
      onAck,
    });
    failed = warm.failed + measured.failed;
    say({
      event: "window",
      from: warm.next,
      next: measured.next,
      start,
      end: start + o.durationMs,
      failed: measured.failed,
    });
  } catch (e) {
    error = (e as Error)?.message ?? String(e);
  }
  say({ event: "done", failed, error });
  Deno.exit(error ? 1 : 0);
}
