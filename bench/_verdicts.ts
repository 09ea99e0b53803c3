/**
 * The benchmarks' bookkeeping: percentiles and the verdict of each goal,
 * apart from any timing so that tests can check them on made-up figures.
 * A verdict checks every condition of its goal and says which failed.
 *
 * @module
 */

/** A step reaches its target rate when it posts at least this share of it. */
export const RATE_TOLERANCE = 0.95;
/** The freshness goal: p99 below this, in ms. */
export const P99_LIMIT_MS = 1000;
/** The drain goal: the query's records/s at least this share of raw GetRecords'. */
export const DRAIN_RATIO_GOAL = 0.8;
/** The memory goal: peak RSS below this. */
export const MEMORY_LIMIT_BYTES = 1024 ** 3;
/** Peak RSS "not growing with the backlog": the largest at most this factor of the smallest. */
export const MEMORY_GROWTH_LIMIT = 1.25;

/** A verdict: met only when every condition holds; `why` names those that did not. */
export interface Verdict {
  met: boolean;
  why: string[];
}

/** `met`, or `not met (reason; reason)`. */
export function formatVerdict(v: Verdict): string {
  return v.met ? "met" : `not met (${v.why.join("; ")})`;
}

/** The q-quantile (0..1) of sorted values, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The figures of one posting step. */
export interface StepFigures {
  /** Rows/s per stream asked. */
  targetPerStream: number;
  /** Rows/s per stream acknowledged among those handed to the client in the window. */
  achievedPerStream: number;
  /** Freshness p99 in ms (NaN when nothing was measured). */
  p99Ms: number;
  /** Acknowledged rows never seen in a table. */
  missing: number;
  /** Rows measured. */
  rows: number;
}

/**
 * A step's verdict: the target rate reached (within {@linkcode RATE_TOLERANCE}),
 * p99 below the limit, and every acknowledged row committed. A step that did
 * not reach its rate is not met, whatever its latencies.
 */
export function stepVerdict(s: StepFigures, p99LimitMs = P99_LIMIT_MS): Verdict {
  const why: string[] = [];
  if (!(s.achievedPerStream >= s.targetPerStream * RATE_TOLERANCE)) {
    why.push(
      `rate ${s.achievedPerStream.toFixed(0)}/s < ${
        RATE_TOLERANCE * 100
      }% of ${s.targetPerStream}/s`,
    );
  }
  if (s.rows === 0) why.push("no rows measured");
  else if (!(s.p99Ms < p99LimitMs)) why.push(`p99 ${s.p99Ms.toFixed(0)} ms >= ${p99LimitMs} ms`);
  if (s.missing > 0) why.push(`${s.missing} acknowledged rows not committed`);
  return { met: why.length === 0, why };
}

/**
 * The sustained ceiling: the highest target (rows/s per stream) of a step
 * whose verdict is met, provided every lower step was met too; undefined
 * when the lowest step fails.
 */
export function sustainedCeiling(steps: readonly StepFigures[]): number | undefined {
  let ceiling: number | undefined;
  for (const s of [...steps].sort((a, b) => a.targetPerStream - b.targetPerStream)) {
    if (!stepVerdict(s).met) break;
    ceiling = s.targetPerStream;
  }
  return ceiling;
}

/** The drain goal: the query's rate (records/s, start-up included) >= 0.8 x raw GetRecords'. */
export function drainVerdict(
  ours: { records: number; ms: number; committed: number },
  raw: { records: number; ms: number },
): Verdict & { ratio: number } {
  const why: string[] = [];
  const oursRate = ours.ms > 0 ? ours.records / ours.ms : 0;
  const rawRate = raw.ms > 0 ? raw.records / raw.ms : 0;
  const ratio = rawRate > 0 ? oursRate / rawRate : NaN;
  if (!(ratio >= DRAIN_RATIO_GOAL)) {
    why.push(`ratio ${ratio.toFixed(2)} < ${DRAIN_RATIO_GOAL}`);
  }
  if (ours.committed < ours.records) {
    why.push(`the query committed ${ours.committed} of ${ours.records} records`);
  }
  if (raw.records < ours.records) {
    why.push(`raw GetRecords read ${raw.records} of ${ours.records} records`);
  }
  return { met: why.length === 0, why, ratio };
}

/**
 * The memory goal: every peak below {@linkcode MEMORY_LIMIT_BYTES}, and the
 * peak at the largest backlog at most {@linkcode MEMORY_GROWTH_LIMIT} x the
 * peak at the smallest.
 */
export function memoryVerdict(peaks: readonly { records: number; peakBytes: number }[]): Verdict {
  const why: string[] = [];
  if (!peaks.length) return { met: false, why: ["nothing measured"] };
  const sorted = [...peaks].sort((a, b) => a.records - b.records);
  const top = Math.max(...sorted.map((p) => p.peakBytes));
  if (!(top < MEMORY_LIMIT_BYTES)) why.push(`peak ${(top / 1024 ** 2).toFixed(0)} MiB >= 1 GiB`);
  const small = sorted[0]!;
  const large = sorted.at(-1)!;
  if (sorted.length < 2) why.push("one backlog size only: growth not measured");
  else if (!(large.peakBytes <= small.peakBytes * MEMORY_GROWTH_LIMIT)) {
    why.push(
      `peak grows ${
        (large.peakBytes / small.peakBytes).toFixed(2)
      }x from ${small.records} to ${large.records} records`,
    );
  }
  return { met: why.length === 0, why };
}

/**
 * The memory goal once the per-batch bound is reached: {@linkcode memoryVerdict}
 * over the backlogs larger than `batchBound` (the records one batch of
 * every query holds at most). A smaller backlog fits in one batch per
 * query with nothing to fetch ahead, so its peak measures less data, not
 * the bound; null when fewer than two backlogs are larger.
 */
export function boundedMemoryVerdict(
  peaks: readonly { records: number; peakBytes: number }[],
  batchBound: number,
): Verdict | null {
  const full = peaks.filter((p) => p.records > batchBound);
  return full.length < 2 ? null : memoryVerdict(full);
}

/** A ratio goal such as "within 2x": `value / reference <= limit`. */
export function ratioVerdict(value: number, reference: number, limit: number): Verdict {
  const r = value / reference;
  return r <= limit
    ? { met: true, why: [] }
    : { met: false, why: [`${Number.isFinite(r) ? r.toFixed(2) : "?"}x > ${limit}x`] };
}

/**
 * The `--v8-flags=...` arguments of a deno.json task's command line, so a
 * benchmark runs a CLI as its task does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskV8Flags } from "./_verdicts.ts";
 * assert.deepEqual(taskV8Flags("deno run -A --v8-flags=--max-old-space-size=1024 cli/query.ts"), [
 *   "--v8-flags=--max-old-space-size=1024",
 * ]);
 * assert.deepEqual(taskV8Flags("deno run -A cli/query.ts"), []);
 * ```
 */
export function taskV8Flags(task: string): string[] {
  return task.split(/\s+/).filter((arg) => arg.startsWith("--v8-flags="));
}
