/**
 * A small lakehouse and checkpoint directory for the dashboard tests: real
 * Delta tables (silver, quarantine and gold) written with the project's
 * Delta API, and progress files as the streaming queries write them.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { Catalog } from "../../lib/catalog.ts";
import type { DeltaTable } from "../../lib/delta/mod.ts";
import { quarantineFrame } from "../../lib/stream/parse.ts";
import type { StreamingQueryProgress } from "../../lib/stream/progress.ts";
import { progressDir } from "../../lib/stream/query.ts";
import { ROOT } from "../_helpers.ts";

export const USER_ID = "u1dash";

/** Appends `n` rows to a silver table (created when missing), starting at `ind`. */
export async function appendSilver(
  catalog: Catalog,
  kind: "pin" | "geo" | "user",
  ind: number,
  n: number,
): Promise<DeltaTable> {
  const table = await catalog.createIfNotExists(`${USER_ID}_${kind}_table`, {
    ind: pl.Int64,
    note: pl.String,
  });
  const inds = Array.from({ length: n }, (_, i) => ind + i);
  await table.append(pl.DataFrame([
    pl.Series("ind", inds, pl.Int64),
    pl.Series("note", inds.map((i) => `row ${i}`), pl.String),
  ]));
  return table;
}

/** Appends one quarantined record per reason to `<table>_quarantine`, arriving at `arrivalMs + i`. */
export async function appendQuarantine(
  catalog: Catalog,
  table: string,
  reasons: string[],
  arrivalMs: number,
): Promise<void> {
  const frame = quarantineFrame(reasons.map((reason, i) => ({
    data: new TextEncoder().encode(`{"bad": ${i}}`),
    partitionKey: `k${i}`,
    stream: `streaming-${USER_ID}-pin`,
    shardId: "shardId-000000000000",
    sequenceNumber: String(100 + i),
    approximateArrivalTimestampMs: arrivalMs + i,
    stage: "validate",
    reason,
  })));
  const quarantine = await catalog.createIfNotExists(`${table}_quarantine`, frame.schema);
  await quarantine.append(frame);
}

/** Rows of the nine gold tables (one table, users_joined_by_year, is left out on purpose). */
export const GOLD_ROWS: Record<string, Record<string, unknown>[]> = {
  category_by_country: [
    { country: "Albania", category: "art", category_count: 2 },
    { country: "Chile", category: "travel", category_count: 1 },
  ],
  category_by_year: [{ post_year: 2018, category: "art", category_count: 3 }],
  top_poster_by_country: [{ country: "Chile", poster_name: "Home", follower_count: 900 }],
  top_country: [{ country: "Chile", follower_count: 900 }],
  category_by_age_group: [{ age_group: "18-24", category: "art", category_count: 2 }],
  median_followers_by_age_group: [{ age_group: "18-24", median_follower_count: 450.5 }],
  median_followers_by_join_year: [{ post_year: 2016, median_follower_count: 12.0 }],
  median_followers_by_age_group_and_join_year: [
    { age_group: "18-24", post_year: 2016, median_follower_count: 12.0 },
  ],
};

const GOLD_TYPES: Record<string, pl.DataType> = {
  country: pl.String,
  category: pl.String,
  poster_name: pl.String,
  age_group: pl.String,
  post_year: pl.Int32,
  category_count: pl.Int64,
  follower_count: pl.Int64,
  number_users_joined: pl.Int64,
  median_follower_count: pl.Float64,
};

/** Writes the gold tables of {@linkcode GOLD_ROWS}. */
export async function writeGold(catalog: Catalog): Promise<void> {
  for (const [name, rows] of Object.entries(GOLD_ROWS)) {
    const columns = Object.keys(rows[0]!);
    const df = pl.DataFrame(
      columns.map((c) => pl.Series(c, rows.map((r) => r[c]), GOLD_TYPES[c])),
    );
    const table = await catalog.create(`${USER_ID}_${name}`, df.schema);
    await table.append(df);
  }
}

/** A progress report of batch `batchId` of query `name`. */
export function progress(
  name: string,
  batchId: number,
  rows: number,
  version: number,
): StreamingQueryProgress {
  return {
    id: `id-${name}`,
    runId: `run-${name}`,
    name,
    timestamp: new Date(Date.UTC(2026, 10, 30, 12, 0, batchId)).toISOString(),
    batchId,
    numInputRows: rows,
    inputRowsPerSecond: rows / 2,
    processedRowsPerSecond: rows * 4,
    durationMs: {
      latestOffset: 1,
      getBatch: 2,
      addBatch: 30,
      walCommit: 3,
      commitOffsets: 4,
      triggerExecution: 50 + batchId,
    },
    sources: [{
      description: `KinesisV2[streaming-${USER_ID}-pin]`,
      startOffset: null,
      endOffset: { streamName: "s", shards: {} },
      latestOffset: { streamName: "s", shards: {} },
      numInputRows: rows,
      inputRowsPerSecond: rows / 2,
      processedRowsPerSecond: rows * 4,
      millisBehindLatest: { "shardId-000000000000": 10 * batchId, "shardId-000000000001": 5 },
    }],
    sink: { description: "DeltaSink", numOutputRows: rows, version, skipped: false },
    numQuarantinedRows: 0,
    nulledValues: {},
    invalidValues: {},
  } as unknown as StreamingQueryProgress;
}

/** Appends progress reports to a query's progress file, as the query does. */
export async function writeProgress(
  checkpointDir: string,
  query: string,
  reports: StreamingQueryProgress[],
): Promise<void> {
  const dir = progressDir(join(checkpointDir, query));
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, `${reports[0]!.runId}.jsonl`),
    reports.map((r) => JSON.stringify(r) + "\n").join(""),
    { append: true },
  );
}

/** `deno task dashboard` running in its own process. */
export interface DashboardProcess {
  /** The URL it printed. */
  url: string;
  /** Sends Ctrl-C (SIGINT) and waits: exit code and everything it printed. */
  stop(): Promise<{ code: number; output: string }>;
}

/**
 * Starts `cli/dashboard.ts` in a child process with `env` (added to this
 * process's environment) and `args`, and waits for the URL it prints. The
 * child is killed if it does not print one.
 */
export async function startDashboardProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<DashboardProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli", "dashboard.ts"), ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  const pump = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  })();
  const url = await (async () => {
    const deadline = Date.now() + 120_000; // a guard against a hang, not a measure
    while (true) {
      if (Date.now() > deadline) throw new Error(`The dashboard printed no URL: ${output}`);
      const match = /Dashboard at (http:\/\/\S+\/)/.exec(output);
      if (match) return match[1]!;
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
      ]);
      if (exited) {
        await pump;
        throw new Error(`The dashboard exited before serving: ${output}${await stderr}`);
      }
    }
  })().catch(async (error) => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    throw error;
  });
  return {
    url,
    async stop() {
      child.kill("SIGINT");
      const { code } = await child.status;
      await pump;
      return { code, output: output + (await stderr) };
    },
  };
}
