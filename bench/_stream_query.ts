/**
 * The query process of `deno task bench stream`: the pin, geo and user
 * streaming queries (`startPipeline`), in a process of their own so that the
 * benchmark's posting, API proxy and table polling do not share their event
 * loop, and so that their memory is the process's.
 *
 * Options come as one JSON argument ({@linkcode QueryProcessOptions}). It
 * prints one JSON line per event on stdout: `ready` once the queries run,
 * `batch` per committed batch (with its trigger start and commit time, wall
 * clock), and `done` with the process's peak RSS (`VmHWM` read from
 * `/proc/self/status` just before exiting, so the peak is exact, not
 * sampled). SIGINT or SIGTERM stops the queries cleanly (the batch in
 * progress commits).
 *
 * @module
 */
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { startPipeline } from "../lib/stream/mod.ts";

/** What the benchmark asks of the query process. */
export interface QueryProcessOptions {
  endpoint: string;
  userId: string;
  lakehouseDir: string;
  checkpointDir: string;
  /** Processing-time trigger in ms, or `available-now`. */
  trigger: number | "available-now";
  /** Default: the query's (400 ms). */
  minFetchPeriodMs?: number;
  /** Default: the query's (10000). */
  maxRecordsPerFetch?: number;
}

/** The events printed on stdout, one JSON object a line. */
export type QueryProcessEvent =
  | { event: "ready"; at: number }
  | {
    event: "batch";
    kind: string;
    batchId: number;
    rows: number;
    version: number;
    /** Trigger start, ms since the epoch. */
    startedAt: number;
    /** After the commit, ms since the epoch. */
    committedAt: number;
    triggerMs: number;
    /** The trigger's phases: fetching (latestOffset + getBatch), parse+clean+write (addBatch), checkpoint (walCommit + commitOffsets). */
    fetchMs: number;
    addBatchMs: number;
    checkpointMs: number;
    rssBytes: number;
  }
  | { event: "done"; at: number; peakRssBytes: number; error?: string };

/** CPU time (user + system) a process has used so far, in seconds; 0 when unknown. */
export function cpuSeconds(pid: number | "self" = "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The peak resident set size of this process so far (`VmHWM`), in bytes. */
export function peakRss(pid: number | "self" = "self"): number {
  return statusBytes(pid, "VmHWM");
}

/** The resident set size of this process now (`VmRSS`), in bytes. */
export function currentRss(pid: number | "self" = "self"): number {
  return statusBytes(pid, "VmRSS");
}

function statusBytes(pid: number | "self", field: "VmHWM" | "VmRSS"): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux, or the process is gone */ }
  return pid === "self" ? Deno.memoryUsage().rss : 0;
}

if (import.meta.main) {
  const say = (e: QueryProcessEvent) => console.log(JSON.stringify(e));
  const options = JSON.parse(Deno.args[0] ?? "{}") as QueryProcessOptions;
  const kinesis = createKinesisClient({ endpoint: options.endpoint, maxAttempts: 5 });
  let error: string | undefined;
  try {
    const pipeline = await startPipeline({
      userId: options.userId,
      kinesis,
      lakehouseDir: options.lakehouseDir,
      checkpointDir: options.checkpointDir,
      trigger: options.trigger === "available-now"
        ? { availableNow: true }
        : { processingTime: options.trigger },
      initialPosition: "earliest",
      minFetchPeriod: options.minFetchPeriodMs,
      maxRecordsPerFetch: options.maxRecordsPerFetch,
      onProgress: (kind, p) =>
        say({
          event: "batch",
          kind,
          batchId: p.batchId,
          rows: p.numInputRows,
          version: p.sink.version,
          startedAt: Date.parse(p.timestamp),
          committedAt: Date.now(),
          triggerMs: p.durationMs.triggerExecution,
          fetchMs: p.durationMs.latestOffset + p.durationMs.getBatch,
          addBatchMs: p.durationMs.addBatch,
          checkpointMs: p.durationMs.walCommit + p.durationMs.commitOffsets,
          rssBytes: Deno.memoryUsage().rss,
        }),
    });
    const stop = () => pipeline.stop();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    say({ event: "ready", at: Date.now() });
    await pipeline.awaitTermination();
  } catch (e) {
    error = (e as Error)?.message ?? String(e);
  } finally {
    kinesis.destroy();
  }
  say({ event: "done", at: Date.now(), peakRssBytes: peakRss(), error });
  Deno.exit(error ? 1 : 0);
}
