/**
 * The trigger loop shared by the streaming queries (Kinesis to a table, a
 * Delta source to a table, and the gold query over three silver tables): triggers every
 * interval or until the data available now is read, stop, termination,
 * `processAllAvailable` and progress reports, with `StreamingQuery`'s face.
 * Subclasses run one trigger in `_trigger()`.
 *
 * @module
 */
import { durationMs } from "../_util/duration.ts";
import { QueryCheckpoint } from "./offsets_log.ts";
import {
  progressBundle,
  type ProgressDurations,
  rowsPerSecond,
  type StreamingQueryProgress,
} from "./progress.ts";
import type { Trigger } from "./query.ts";
import { sleep } from "../_util/sleep.ts";
import { type DisplayBundle, JUPYTER_DISPLAY } from "../jupyter.ts";

/** Options of {@linkcode MicroBatchQuery}. */
export interface MicroBatchOptions<P> {
  /** The query's name (default none). */
  queryName?: string;
  /** The checkpoint directory. */
  checkpointLocation: string;
  /** The trigger (the subclass gives the default). */
  trigger: Trigger;
  /** How many progress reports `recentProgress` keeps (default 100). */
  progressRetention?: number;
  /** Called with each batch's progress (also a `progress` event). */
  onProgress?: (progress: P) => void;
  /**
   * With a processing-time trigger, the least time between two idle
   * progress reports (numInputRows 0) while no data comes: Spark's
   * `spark.sql.streaming.noDataProgressEventInterval` (default `10s`).
   */
  noDataProgressEventInterval?: string | number;
}

/** A running micro-batch query; `P` is its progress type. */
export abstract class MicroBatchQuery<P extends StreamingQueryProgress<unknown>>
  extends EventTarget {
  /** The query id, stable across restarts (kept in the checkpoint). */
  id = "";
  /** This run's id. */
  readonly runId: string = crypto.randomUUID();
  /** The query name, or null. */
  readonly name: string | null;
  /** The checkpoint directory. */
  readonly checkpointLocation: string;
  /** @internal The checkpoint. */
  protected readonly checkpoint: QueryCheckpoint;
  /** @internal True for an available-now trigger. */
  protected readonly availableNow: boolean;
  /** @internal Aborted when the query stops. */
  protected readonly abort = new AbortController();
  readonly #intervalMs: number;
  readonly #retention: number;
  readonly #onProgress: ((progress: P) => void) | undefined;
  readonly #noDataIntervalMs: number;
  #lastProgressAt = 0;
  #active = false;
  #stopping = false;
  #exception: Error | null = null;
  #finished: Promise<void> = Promise.resolve();
  #recent: P[] = [];
  #idleWaiters: { after: number; resolve: () => void }[] = [];
  #wake = new AbortController();
  #triggerCount = 0;

  /** Validates the common options. */
  constructor(options: MicroBatchOptions<P>) {
    super();
    const {
      queryName,
      checkpointLocation,
      trigger,
      progressRetention = 100,
      onProgress,
      noDataProgressEventInterval = 10_000,
    } = options;
    if (typeof checkpointLocation !== "string" || checkpointLocation === "") {
      throw new TypeError("Cannot start a query: checkpointLocation is required");
    }
    if ("availableNow" in trigger) {
      this.availableNow = trigger.availableNow === true;
      this.#intervalMs = 0;
    } else {
      this.availableNow = false;
      this.#intervalMs = durationMs("trigger processingTime", trigger.processingTime);
    }
    this.name = queryName ?? null;
    this.checkpointLocation = checkpointLocation;
    this.checkpoint = new QueryCheckpoint(checkpointLocation);
    this.#retention = progressRetention;
    this.#onProgress = onProgress;
    this.#noDataIntervalMs = durationMs(
      "noDataProgressEventInterval",
      noDataProgressEventInterval,
    );
  }

  /** Whether the query is running. */
  get isActive(): boolean {
    return this.#active;
  }

  /** The error that stopped the query, or null. */
  get exception(): Error | null {
    return this.#exception;
  }

  /** The latest batch's progress, or null. */
  get lastProgress(): P | null {
    return this.#recent.at(-1) ?? null;
  }

  /** Recent batches' progress, oldest first. */
  get recentProgress(): P[] {
    return [...this.#recent];
  }

  /**
   * @internal The fields every batch's progress starts with: ids, batch,
   * input rows, rates (input over the time since the last trigger,
   * processing over the trigger) and the phase durations, rounded to ms.
   */
  protected _batchProgressHead(
    batchId: number,
    rows: number,
    timestamp: string,
    sinceLastMs: number,
    durations: ProgressDurations,
  ): Pick<
    StreamingQueryProgress<unknown>,
    | "id"
    | "runId"
    | "name"
    | "timestamp"
    | "batchId"
    | "numInputRows"
    | "inputRowsPerSecond"
    | "processedRowsPerSecond"
    | "durationMs"
  > {
    return {
      id: this.id,
      runId: this.runId,
      name: this.name,
      timestamp,
      batchId,
      numInputRows: rows,
      inputRowsPerSecond: rowsPerSecond(rows, sinceLastMs),
      processedRowsPerSecond: rowsPerSecond(rows, durations.triggerExecution),
      durationMs: {
        latestOffset: Math.round(durations.latestOffset),
        getBatch: Math.round(durations.getBatch),
        addBatch: Math.round(durations.addBatch),
        walCommit: Math.round(durations.walCommit),
        commitOffsets: Math.round(durations.commitOffsets),
        triggerExecution: Math.round(durations.triggerExecution),
      },
    };
  }

  /** True once `stop()` was called. */
  protected get stopping(): boolean {
    return this.#stopping;
  }

  /** Stops the query: a batch in progress finishes (and commits), no new one starts. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.abort.abort();
    this.#wake.abort();
    await this.#finished.catch(() => {});
  }

  /**
   * Waits until the query terminates (or `timeoutMs` passes: then false).
   * Rejects with the query's exception when it failed.
   */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    if (timeoutMs === undefined) {
      await this.#finished;
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        this.#finished.then(() => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(true), timeoutMs)),
      ]).finally(() => clearTimeout(timer));
      if (timedOut) return false;
    }
    if (this.#exception) throw this.#exception;
    return true;
  }

  /**
   * Waits until everything available now is processed: resolves after a
   * trigger that starts after this call finds nothing new. Rejects if the
   * query fails first.
   */
  processAllAvailable(): Promise<void> {
    if (!this.#active) {
      return this.#exception ? Promise.reject(this.#exception) : Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#idleWaiters.push({ after: this.#triggerCount, resolve });
      this.#wake.abort();
      this.#finished.then(() => this.#exception ? reject(this.#exception) : resolve(), reject);
    });
  }

  /** Jupyter face: the recent progress as a table. */
  [JUPYTER_DISPLAY](): DisplayBundle {
    return progressBundle(
      `${this.name ?? this.id} (${this.#active ? "active" : "stopped"})`,
      this.#recent.slice(-20),
    );
  }

  /** @internal Runs one trigger; false when there was nothing new. */
  protected abstract _trigger(): Promise<boolean>;

  /**
   * @internal The progress of a trigger that found nothing new (numInputRows
   * 0), or null to report none; `triggerMs` is how long the trigger took.
   */
  protected _idleProgress(_triggerMs: number): P | null | Promise<P | null> {
    return null;
  }

  /**
   * @internal With an available-now trigger, whether an idle trigger ends
   * the query (default: always; a source may still be reading up to where
   * it stood at the start).
   */
  protected _availableNowDone(): boolean {
    return true;
  }

  /** @internal Called once the loop ends, whatever the reason. */
  protected _close(): void | Promise<void> {}

  /** @internal Records and announces a batch's progress. */
  protected async _report(progress: P): Promise<void> {
    this.#lastProgressAt = performance.now();
    this.#recent.push(progress);
    if (this.#recent.length > this.#retention) this.#recent.shift();
    await this.checkpoint.appendProgress(this.runId, progress).catch(() => {});
    this.#onProgress?.(progress);
    this.dispatchEvent(new CustomEvent("progress", { detail: progress }));
  }

  /** @internal Starts the trigger loop. */
  _run(): void {
    this.#active = true;
    this.#finished = this.#loop();
  }

  /** Reports an idle trigger when nothing was reported for `noDataProgressEventInterval`. */
  async #idle(triggerStart: number): Promise<void> {
    const now = performance.now();
    if (this.#lastProgressAt === 0) this.#lastProgressAt = now;
    if (now - this.#lastProgressAt < this.#noDataIntervalMs) return;
    const progress = await this._idleProgress(Math.round(now - triggerStart));
    if (progress) await this._report(progress);
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopping) {
        const started = performance.now();
        const index = ++this.#triggerCount;
        const ran = await this._trigger();
        if (!ran) {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = waiters.filter((w) => w.after >= index);
          for (const w of waiters) if (w.after < index) w.resolve();
          if (this.availableNow && this._availableNowDone()) break;
          if (!this.availableNow && !this.#stopping) await this.#idle(started);
        }
        if (this.availableNow || this.#stopping) continue;
        const wait = this.#intervalMs - (performance.now() - started);
        if (wait > 0 && !this.#wake.signal.aborted) {
          await sleep(wait, AbortSignal.any([this.abort.signal, this.#wake.signal]));
        }
        this.#wake = new AbortController();
      }
    } catch (error) {
      this.#exception = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#active = false;
      for (const w of this.#idleWaiters) w.resolve();
      this.#idleWaiters = [];
      await this._close();
      this.dispatchEvent(new Event("terminated"));
    }
  }
}
