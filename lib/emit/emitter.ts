/**
 * The emitter: users' posts sent through the HTTP API into the three
 * streams, the course's `user_posting_emulation` done well.
 *
 * Each row picks a random row index (seeded) and posts the pin, geo and user
 * rows with that index to their streams with `PUT {api}/streams/{stream}/record`
 * (or, in batch mode, `PUT {api}/streams/{stream}/records`). Failed requests
 * are retried with capped exponential backoff and jitter; a record that
 * still fails is reported and counted, never dropped silently.
 *
 * @module
 */
import { backoffMs } from "../_util/backoff.ts";
import { sleep } from "../_util/sleep.ts";
import { DEFAULT_USER_ID, streamNames } from "../config.ts";
import { mulberry32, readSource, type SourceTables } from "../data/mod.ts";
import { type AnyRecord, RECORD_KINDS, type RecordKind } from "../records.ts";
import { apiRequest, MAX_BATCH, putRecords, sendToKinesis, trimUrl } from "./client.ts";
import { type EmitFailure, EmitStats } from "./stats.ts";
import { ApiUnavailableError, EmitRequestError } from "./errors.ts";

/** The source directory committed with pinstream. */
export const DEFAULT_SOURCE_DIR: string = decodeURIComponent(
  new URL("../../data/pinterest", import.meta.url).pathname,
);

/** Options of {@linkcode Emitter} and {@linkcode emit}. */
export interface EmitOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080` or an API Gateway invoke URL. */
  apiUrl: string;
  /**
   * Sent as the `x-api-key` header; none when undefined.
   *
   * @default {undefined}
   */
  apiKey?: string;
  /**
   * Names the streams `streaming-<userId>-{pin,geo,user}`.
   *
   * @default {"12c0d092d679"}
   */
  userId?: string;
  /**
   * Source directory with `pin.ndjson`, `geo.ndjson`, `user.ndjson`, or the tables themselves.
   *
   * @default {"data/pinterest"}
   */
  source?: string | SourceTables;
  /**
   * PRNG seed that picks the rows; a random one when undefined, shown in the stats.
   *
   * @default {undefined}
   */
  seed?: number;
  /**
   * Rows per second per stream, without pauses; the course's random pause when undefined.
   *
   * @default {undefined}
   */
  rate?: number;
  /**
   * Send this many rows per stream, then stop; no limit when undefined.
   *
   * @default {undefined}
   */
  count?: number;
  /**
   * Stop after this many ms; no limit when undefined.
   *
   * @default {undefined}
   */
  durationMs?: number;
  /**
   * Rows per PutRecords request through `/records`, 1 to 500; 0 or 1 sends single PUTs.
   *
   * @default {0}
   */
  batch?: number;
  /**
   * Pause between rows when no rate is given, drawn uniformly in [min, max] ms.
   *
   * @default {[0, 2000]}
   */
  pauseMs?: [number, number];
  /**
   * Rows (or batches) in flight at once when a rate is given. More only
   * queues requests in a saturated Kinesis and makes them time out.
   *
   * @default {8}
   */
  maxInFlight?: number;
  /**
   * Attempts per request, the first included.
   *
   * @default {6}
   */
  maxAttempts?: number;
  /**
   * Backoff before the second attempt, doubled each time, in ms (full jitter).
   *
   * @default {100}
   */
  backoffBaseMs?: number;
  /**
   * Longest backoff, in ms.
   *
   * @default {5000}
   */
  backoffCapMs?: number;
  /**
   * Timeout of one request, in ms. A request that times out is sent again,
   * and Kinesis may then hold it twice (producers are at-least-once), so the
   * timeout is generous.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * Stops the emitter: no new rows, no more retries; what was not sent is counted as failed.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * Called every `progressIntervalMs` and once at the end; none when undefined.
   *
   * @default {undefined}
   */
  onProgress?: (stats: EmitStats) => void;
  /**
   * Interval of `onProgress`, in ms.
   *
   * @default {1000}
   */
  progressIntervalMs?: number;
  /**
   * Called for each record that could not be sent; the stats count it either way.
   *
   * @default {undefined}
   */
  onFailure?: (failure: EmitFailure) => void;
}

/** A record of one kind waiting to be sent. */
interface Pending {
  index: number;
  data: AnyRecord;
}

/**
 * Sends rows of the source tables to the three streams through the API.
 * `run()` resolves with the stats when the count or duration is reached or
 * the signal aborts.
 *
 * @example
 * ```ts ignore
 * const emitter = new Emitter({ apiUrl: "http://127.0.0.1:8080", count: 10, rate: 20 });
 * const stats = await emitter.run();
 * stats; // an HTML table in a notebook
 * ```
 */
export class Emitter {
  /** The live counters. */
  readonly stats: EmitStats;
  #options: EmitOptions;
  #names: Record<RecordKind, string>;
  #random: () => number;
  #stop = new AbortController();
  #running = false;

  /** Validates the options; nothing is sent until {@linkcode Emitter.run}. */
  constructor(options: EmitOptions) {
    const { apiUrl, userId = DEFAULT_USER_ID, seed = randomSeed() } = options;
    if (typeof apiUrl !== "string" || !/^https?:\/\//.test(apiUrl)) {
      throw new TypeError(`Cannot emit to API "${apiUrl}": expected an http:// or https:// URL`);
    }
    checkNumber("rate", options.rate, 0, Infinity, false, true);
    checkNumber("count", options.count, 0, Number.MAX_SAFE_INTEGER, true);
    checkNumber("durationMs", options.durationMs, 0, Infinity);
    checkNumber("batch", options.batch, 0, MAX_BATCH, true);
    checkNumber("maxInFlight", options.maxInFlight, 1, 10_000, true, true);
    checkNumber("maxAttempts", options.maxAttempts, 1, 100, true, true);
    if (!Number.isInteger(seed)) {
      throw new TypeError(`Cannot emit with seed ${seed}: the seed must be an integer`);
    }
    const pause = options.pauseMs;
    if (pause && !(pause[0] >= 0 && pause[1] >= pause[0])) {
      throw new RangeError(
        `Cannot emit with pauseMs [${pause}]: expected [min, max] with 0 <= min <= max`,
      );
    }
    this.#options = { ...options, apiUrl: trimUrl(apiUrl) };
    this.#names = streamNames(userId);
    this.#random = mulberry32(seed);
    this.stats = new EmitStats(this.#names, seed);
  }

  /** The stream of each record kind. */
  get streams(): Record<RecordKind, string> {
    return { ...this.#names };
  }

  /** Stops the emitter as the signal would. */
  stop(): void {
    this.#stop.abort();
  }

  /**
   * Checks that the API answers `GET /streams` and lists the three streams.
   * Throws {@linkcode ApiUnavailableError} otherwise.
   */
  async checkApi(): Promise<void> {
    const { apiUrl, apiKey, requestTimeoutMs = 30_000 } = this.#options;
    let out: { StreamNames?: unknown };
    try {
      out = await apiRequest("GET", `${apiUrl}/streams`, undefined, {
        apiKey,
        timeoutMs: requestTimeoutMs,
      });
    } catch (error) {
      const e = error as EmitRequestError;
      const why = e.status === 0
        ? `it cannot be reached (${(e.cause as Error)?.message ?? e.message})`
        : e.status === 403
        ? "it refused the API key (403); set API_KEY"
        : e.message;
      throw new ApiUnavailableError(
        apiUrl,
        `Cannot emit to the API at ${apiUrl}: ${why}`,
        { cause: error },
      );
    }
    if (Array.isArray(out.StreamNames)) {
      const missing = RECORD_KINDS.map((k) => this.#names[k]).filter((n) =>
        !(out.StreamNames as unknown[]).includes(n)
      );
      if (missing.length > 0) {
        throw new ApiUnavailableError(
          apiUrl,
          `Cannot emit to the API at ${apiUrl}: stream${missing.length > 1 ? "s" : ""} ${
            missing.map((n) => `"${n}"`).join(", ")
          } do${
            missing.length > 1 ? "" : "es"
          } not exist (create them with deno task api --create-streams)`,
        );
      }
    }
  }

  /** Checks the API, then sends rows until done; resolves with the final stats. */
  async run(): Promise<EmitStats> {
    if (this.#running) throw new Error("Cannot run the emitter: it is already running");
    this.#running = true;
    const { signal, onProgress, progressIntervalMs = 1000 } = this.#options;
    const stopOnSignal = () => this.#stop.abort();
    signal?.addEventListener("abort", stopOnSignal, { once: true });
    if (signal?.aborted) this.#stop.abort();
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      const tables = await this.#loadSource();
      await this.checkApi();
      this.stats.start();
      if (onProgress) timer = setInterval(() => onProgress(this.stats), progressIntervalMs);
      await this.#loop(tables);
    } finally {
      if (timer !== undefined) clearInterval(timer);
      signal?.removeEventListener("abort", stopOnSignal);
      this.stats.end();
      this.#running = false;
    }
    onProgress?.(this.stats);
    return this.stats;
  }

  async #loadSource(): Promise<SourceTables> {
    const { source = DEFAULT_SOURCE_DIR } = this.#options;
    const tables = typeof source === "string" ? await readSource(source) : source;
    const n = tables.pin.length;
    if (n === 0 || tables.geo.length !== n || tables.user.length !== n) {
      throw new RangeError(
        `Cannot emit from the source: the three tables must have the same number of rows, at least 1 (pin ${n}, geo ${tables.geo.length}, user ${tables.user.length})`,
      );
    }
    return tables;
  }

  async #loop(tables: SourceTables): Promise<void> {
    const {
      rate,
      count = Infinity,
      durationMs = Infinity,
      batch = 0,
      pauseMs = [0, 2000],
      maxInFlight = 8,
    } = this.#options;
    const stop = this.#stop.signal;
    const perRequest = Math.max(1, batch);
    const started = performance.now();
    const deadline = started + durationMs;
    const inFlight = new Set<Promise<void>>();
    let rows = 0;
    while (rows < count && !stop.aborted && performance.now() < deadline) {
      const n = Math.min(perRequest, count - rows);
      const picked = Array.from(
        { length: n },
        () => Math.floor(this.#random() * tables.pin.length),
      );
      rows += n;
      const task = this.#sendRows(tables, picked, batch > 0);
      if (rate === undefined) {
        // The course's pace: one row (or batch) at a time, then a random pause.
        await task;
        if (rows >= count) break;
        const pause = pauseMs[0] + this.#random() * (pauseMs[1] - pauseMs[0]);
        await sleep(Math.min(pause, deadline - performance.now()), stop);
        continue;
      }
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      if (Number.isFinite(rate)) {
        const due = started + (rows / rate) * 1000;
        await sleep(Math.min(due, deadline) - performance.now(), stop);
      }
    }
    await Promise.all(inFlight);
  }

  /** Sends the rows with these indices to the three streams. */
  async #sendRows(tables: SourceTables, indices: number[], batch: boolean): Promise<void> {
    await Promise.all(RECORD_KINDS.map((kind) => {
      const pending = indices.map((i) => ({ index: i, data: tables[kind][i] as AnyRecord }));
      return batch ? this.#sendBatch(kind, pending) : this.#sendOne(kind, pending[0]!);
    }));
  }

  async #sendOne(kind: RecordKind, record: Pending): Promise<void> {
    const { apiUrl, apiKey, requestTimeoutMs } = this.#options;
    const stream = this.#names[kind];
    const partitionKey = crypto.randomUUID();
    let attempt = 0;
    while (true) {
      attempt += 1;
      try {
        await sendToKinesis(record.data, stream, {
          apiUrl,
          apiKey,
          partitionKey,
          timeoutMs: requestTimeoutMs,
        });
        this.stats.addSent(kind, 1);
        return;
      } catch (error) {
        const e = error as EmitRequestError;
        if (!(await this.#shouldRetry(e instanceof EmitRequestError && e.retryable, attempt))) {
          this.#fail(kind, [record], attempt, this.#reason(e, attempt));
          return;
        }
        this.stats.addRetried(kind, 1);
      }
    }
  }

  async #sendBatch(kind: RecordKind, records: Pending[]): Promise<void> {
    const { apiUrl, apiKey, requestTimeoutMs } = this.#options;
    const stream = this.#names[kind];
    let pending = records.map((r) => ({ ...r, partitionKey: crypto.randomUUID() }));
    let attempt = 0;
    while (pending.length > 0) {
      attempt += 1;
      let reason: string;
      let retryable: boolean;
      let failedError: EmitRequestError | undefined;
      try {
        const out = await putRecords(
          pending.map((r) => ({ data: r.data, partitionKey: r.partitionKey })),
          stream,
          { apiUrl, apiKey, timeoutMs: requestTimeoutMs },
        );
        const results = out.Records;
        const failed = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
        this.stats.addSent(kind, pending.length - failed.length);
        if (failed.length === 0) return;
        const first = results.find((r) => r.ErrorCode !== undefined)!;
        reason =
          `PutRecords refused ${failed.length} of ${pending.length} records (${first.ErrorCode}: ${first.ErrorMessage})`;
        retryable = true;
        pending = failed;
      } catch (error) {
        failedError = error instanceof EmitRequestError
          ? error
          : new EmitRequestError(String((error as Error)?.message ?? error), 0, false);
        reason = failedError.message;
        retryable = failedError.retryable;
      }
      if (!(await this.#shouldRetry(retryable, attempt))) {
        this.#fail(
          kind,
          pending,
          attempt,
          failedError ? this.#reason(failedError, attempt) : `${reason} after ${attempt} attempts`,
        );
        return;
      }
      this.stats.addRetried(kind, pending.length);
    }
  }

  /** Whether to try again after `attempt` failed; waits the backoff first. */
  async #shouldRetry(retryable: boolean, attempt: number): Promise<boolean> {
    const { maxAttempts = 6, backoffBaseMs = 100, backoffCapMs = 5000 } = this.#options;
    const stop = this.#stop.signal;
    if (!retryable || attempt >= maxAttempts || stop.aborted) return false;
    // Full jitter: a uniform wait up to the capped exponential step.
    const wait = backoffMs(attempt - 1, {
      baseMs: backoffBaseMs,
      capMs: backoffCapMs,
      jitter: "full",
    });
    await sleep(wait, stop);
    return !stop.aborted;
  }

  #reason(error: unknown, attempt: number): string {
    if (!(error instanceof EmitRequestError)) return String((error as Error)?.message ?? error);
    if (this.#stop.signal.aborted && error.retryable) {
      return `stopped before it could be sent again: ${error.message}`;
    }
    return error.retryable ? `${error.message} (after ${attempt} attempts)` : error.message;
  }

  #fail(kind: RecordKind, records: Pending[], attempts: number, reason: string): void {
    for (const r of records) {
      const failure = { kind, stream: this.#names[kind], index: r.index, attempts, reason };
      this.stats.addFailure(failure);
      this.#options.onFailure?.(failure);
    }
  }
}

/**
 * Runs an {@linkcode Emitter} to the end and resolves with its stats.
 *
 * @example
 * ```ts ignore
 * const stats = await emit({ apiUrl: "http://127.0.0.1:8080", count: 100, rate: 50 });
 * console.log(stats.toString());
 * ```
 */
export function emit(options: EmitOptions): Promise<EmitStats> {
  return new Emitter(options).run();
}

/** A small seeded PRNG (mulberry32): uniform numbers in [0, 1). */
export { mulberry32 };

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

function checkNumber(
  name: string,
  value: number | undefined,
  min: number,
  max: number,
  integer = false,
  exclusiveMin = false,
): void {
  if (value === undefined) return;
  const ok = typeof value === "number" && !Number.isNaN(value) &&
    (exclusiveMin ? value > min : value >= min) && value <= max &&
    (!integer || Number.isInteger(value));
  if (!ok) {
    throw new RangeError(
      `Cannot emit with ${name} ${value}: expected ${integer ? "an integer" : "a number"} ${
        exclusiveMin ? "above" : "from"
      } ${min}${Number.isFinite(max) ? ` to ${max}` : ""}`,
    );
  }
}
