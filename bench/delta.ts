/**
 * `deno task bench delta`: the Delta layer's two numbers that matter for
 * the streaming sink.
 *
 * 1. Append throughput: cleaned-pin-like rows appended in 10k-row batches
 *    (one commit each, checkpoints every 10 commits as by default) up to
 *    1M rows; rows/s and MB/s of parquet written.
 * 2. Snapshot load time of a table with 10 commits and of one with 1,000
 *    commits (which has checkpoints), and their ratio. Goal: the 1,000-commit
 *    table loads within 2x of the 10-commit one. Each load is cold (a fresh
 *    Snapshot read from the files; the OS file cache is warm), the two tables
 *    are loaded alternately after a warm-up, and the median of N is
 *    reported, both for the load itself and for the full state (live files
 *    and txns read too).
 *
 * 3. The streaming append path (see {@linkcode streamingAppend}).
 * 4. Append throughput and commit latency on the local disk and on a local
 *    S3 (moto's server, started on a free port when moto is importable):
 *    small appends, one commit each; the commit latency is the time from
 *    the data files being stored to the commit returning.
 *
 * Everything is written to a temporary directory or bucket, removed at the end.
 *
 * @module
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { DeltaTable, Snapshot } from "../lib/delta/mod.ts";
import { createBucket, MOTO_PYTHON, startMoto } from "../tests/_s3.ts";
import { DeltaSink } from "../lib/stream/sink.ts";
import { CATEGORIES } from "../lib/records.ts";
import { numberFlag, parseFlags, runMain, UsageError } from "../cli/_args.ts";

const USAGE = `Usage: deno task bench delta [--rows N] [--batch N] [--commits N] [--loads N]
                             [--store-commits N] [--stream-commits N] [--appends N]
                             [--only append|load|stream|stores]

Measures append throughput of cleaned-pin-like rows, snapshot load time
of a small and a long-lived table, and append throughput and commit latency
on the local disk beside a local S3 (moto).`;

/** `rows` rows shaped like the cleaned pin table (same columns and types). */
function pinFrame(rows: number): pl.DataFrame {
  const ids = Array.from({ length: rows }, (_, i) => i);
  const hex = (i: number, width: number) => (i * 2654435761 % 16 ** width).toString(16);
  return pl.DataFrame({
    ind: ids,
    unique_id: ids.map((i) =>
      `${hex(i, 8).padStart(8, "0")}-${hex(i + 1, 4).padStart(4, "0")}-4${
        hex(i + 2, 3).padStart(3, "0")
      }-8${hex(i + 3, 3).padStart(3, "0")}-${hex(i + 4, 12).padStart(12, "0")}`
    ),
    title: ids.map((i) => `Easy ideas for your next weekend project, number ${i % 5000}`),
    description: ids.map((i) =>
      `Step by step instructions and photos for project ${i % 5000}, with tips on materials…`
    ),
    follower_count: ids.map((i) => (i * 7919) % 15_000_000),
    poster_name: ids.map((i) => `Poster ${i % 1500}`),
    tag_list: ids.map((i) => `tag${i % 17},tag${i % 29},tag${i % 31},tag${i % 37},tag${i % 41}`),
    is_image_or_video: ids.map((i) => (i % 30 === 0 ? "video" : "image")),
    image_src: ids.map((i) => `https://i.pinimg.com/originals/${hex(i, 8)}/${hex(i, 6)}.jpg`),
    save_location: ids.map((i) => `/data/${CATEGORIES[i % CATEGORIES.length]}`),
    category: ids.map((i) => CATEGORIES[i % CATEGORIES.length]!),
  }).withColumns(pl.col("ind").cast(pl.Int64), pl.col("follower_count").cast(pl.Int32));
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function appendThroughput(dir: string, rows: number, batch: number): Promise<void> {
  const template = pinFrame(batch);
  const table = await DeltaTable.create(join(dir, "throughput"), template.schema);
  let written = 0;
  let bytes = 0;
  const started = performance.now();
  for (let offset = 0; offset < rows; offset += batch) {
    const size = Math.min(batch, rows - offset);
    const df = (size === batch ? template : template.head(size))
      .withColumns(pl.col("ind").add(offset));
    const result = await table.append(df, { txn: { appId: "bench", version: offset / batch } });
    written += result.rows;
    bytes += result.bytes;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `append: ${written} rows in ${table.version} commits of ${batch} rows: ` +
      `${seconds.toFixed(2)} s, ${Math.round(written / seconds)} rows/s, ` +
      `${(bytes / 1e6 / seconds).toFixed(2)} MB/s of parquet (${(bytes / 1e6).toFixed(1)} MB)`,
  );
}

async function tableWithCommits(path: string, commits: number): Promise<void> {
  const df = pinFrame(10);
  const table = await DeltaTable.create(path, df.schema);
  for (let v = 1; v < commits; v++) {
    await table.append(df.withColumns(pl.col("ind").add(v * 10)));
  }
}

/** One load of each table, alternating, so drift and caches hit both alike. */
async function timeLoads(
  paths: string[],
  loads: number,
  use: (snapshot: Snapshot) => unknown,
): Promise<number[]> {
  const times: number[][] = paths.map(() => []);
  for (let i = -WARM_UP; i < loads; i++) {
    for (const [k, path] of paths.entries()) {
      const started = performance.now();
      use(await Snapshot.load(path));
      if (i >= 0) times[k]!.push(performance.now() - started);
    }
  }
  return times.map(median);
}

/** Untimed loads per table before timing (JIT, Polars, file cache). */
const WARM_UP = 5;

async function snapshotLoads(dir: string, commits: number, loads: number): Promise<void> {
  const small = join(dir, "small");
  const large = join(dir, "large");
  await tableWithCommits(small, 10);
  const started = performance.now();
  await tableWithCommits(large, commits);
  const buildSeconds = (performance.now() - started) / 1000;
  const describe = (s: Snapshot) =>
    `version ${s.version}, ${s.files.length} files, ` +
    (s.source.checkpoint === null
      ? `${s.source.commitsReplayed} JSON commits`
      : `checkpoint ${s.source.checkpoint} + ${s.source.commitsReplayed} JSON commits`);
  // Each load builds a fresh Snapshot from the files (nothing is cached
  // between loads). "load": version, protocol, metadata and schema ready,
  // what opening a table and appending need; file actions and txns are read
  // on first use. "full state": load, then the live files and txns.
  const [a, b] = await timeLoads([small, large], loads, () => {});
  const [fa, fb] = await timeLoads([small, large], loads, (s) => [s.files, s.txns]);
  console.log(
    `snapshot load, 10 commits: ${a!.toFixed(2)} ms; full state ${fa!.toFixed(2)} ms ` +
      `(${describe(await Snapshot.load(small))})`,
  );
  console.log(
    `snapshot load, ${commits} commits: ${b!.toFixed(2)} ms; full state ${fb!.toFixed(2)} ms ` +
      `(${describe(await Snapshot.load(large))}; built in ${buildSeconds.toFixed(1)} s)`,
  );
  const ratio = b! / a!;
  console.log(
    `ratio ${commits}/10 commits: load ${ratio.toFixed(2)}x (goal: within 2x) ${
      ratio <= 2 ? "ok" : "MISSED"
    }; full state ${(fb! / fa!).toFixed(2)}x (grows with the number of live files)`,
  );
}

function percentile(values: number[], p: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Appends `commits` batches of `batch` rows to a new table at `location`; one line of figures. */
async function storeRun(label: string, location: string, commits: number, batch: number) {
  const template = pinFrame(batch);
  const table = await DeltaTable.create(location, template.schema);
  const latencies: number[] = [];
  let bytes = 0;
  const started = performance.now();
  for (let b = 0; b < commits; b++) {
    let stored = 0;
    const result = await table.append(template.withColumns(pl.col("ind").add(b * batch)), {
      beforeCommit: () => {
        stored = performance.now();
      },
    });
    latencies.push(performance.now() - stored);
    bytes += result.bytes;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label}: ${commits} appends of ${batch} rows in ${seconds.toFixed(2)} s, ` +
      `${Math.round(commits * batch / seconds)} rows/s, ${
        (bytes / 1e6 / seconds).toFixed(2)
      } MB/s; ` +
      `commit latency median ${median(latencies).toFixed(1)} ms, ` +
      `p95 ${percentile(latencies, 0.95).toFixed(1)} ms (checkpoint every 10 included)`,
  );
}

async function storeComparison(dir: string, commits: number, batch: number): Promise<void> {
  await storeRun("local disk", join(dir, "store-local"), commits, batch);
  if (!MOTO_PYTHON) {
    console.log("local S3: skipped, moto is not importable in python3");
    return;
  }
  const moto = await startMoto();
  const saved = Deno.env.get("AWS_ENDPOINT_URL_S3");
  try {
    await createBucket(moto.endpoint, "bench");
    Deno.env.set("AWS_ENDPOINT_URL_S3", moto.endpoint);
    await storeRun("local S3 (moto)", "s3://bench/store-s3", commits, batch);
  } finally {
    if (saved === undefined) Deno.env.delete("AWS_ENDPOINT_URL_S3");
    else Deno.env.set("AWS_ENDPOINT_URL_S3", saved);
    await moto.stop();
  }
}

/**
 * 3. The streaming append path at 1,000 commits: what the sink does per
 *    micro-batch (`DeltaSink.addBatch`: open the table, check the query's
 *    txn, write the parquet file, commit with the txn, checkpoint when due)
 *    on a table of `commits` streaming commits vs one of 10, alternating,
 *    `appends` times each; "cold" opens a new sink each time (a query's first
 *    batch after a start), "warm" reuses one (every later batch). Reference:
 *    the same frames written as plain parquet with Polars alone, so the
 *    Delta overhead is a ratio. The sink's auto-compaction, which runs
 *    after a batch's commit (between triggers), is timed on its own. Goal: 1,000 commits within 2x of 10 (mean,
 *    checkpoints included).
 */
async function streamingAppend(dir: string, commits: number, appends: number): Promise<void> {
  const rows = 1000;
  const frame = pinFrame(rows);
  const queryId = "00000000-0000-4000-8000-000000000000";
  const build = async (path: string, n: number) => {
    const sink = new DeltaSink(path);
    for (let b = 0; b < n; b++) {
      await sink.addBatch(queryId, b, frame.withColumns(pl.col("ind").add(b * rows)));
    }
    await sink.close();
    return n;
  };
  const small = join(dir, "stream-small");
  const large = join(dir, "stream-large");
  const plain = join(dir, "plain");
  await Deno.mkdir(plain);
  const t0 = performance.now();
  const next = { [small]: await build(small, 10), [large]: await build(large, commits) };
  console.log(
    `\nstreaming append: tables of 10 and ${commits} streaming commits (txn each) built in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s; ${appends} appends of ${rows} rows per table and mode, alternating`,
  );
  const warmSinks = { [small]: new DeltaSink(small), [large]: new DeltaSink(large) };
  const times: Record<string, number[]> = {};
  for (let i = 0; i < appends; i++) {
    for (const path of [small, large]) {
      const label = path === small ? "10" : String(commits);
      // Checkpoints fall on every 10th version: the order alternates so that both modes get them.
      const modes = i % 2 === 0 ? ["cold", "warm"] : ["warm", "cold"];
      for (const mode of modes) {
        const batchId = next[path]!++;
        const df = frame.withColumns(pl.col("ind").add(batchId * rows));
        const sink = mode === "cold" ? new DeltaSink(path) : warmSinks[path]!;
        const started = performance.now();
        await sink.addBatch(queryId, batchId, df);
        const ms = performance.now() - started;
        // Auto-compaction runs after the commit, between triggers, not in the
        // batch: timed on its own (it is due once every 50 small files).
        const compactStarted = performance.now();
        await sink.close();
        const compactMs = performance.now() - compactStarted;
        if (compactMs > 1) (times[`compaction ${label}`] ??= []).push(compactMs);
        (times[`${mode} ${label}`] ??= []).push(ms);
        (times[`all ${label}`] ??= []).push(ms);
      }
    }
    const started = performance.now();
    frame.withColumns(pl.col("ind").add(i * rows)).writeParquet(join(plain, `${i}.parquet`));
    (times["plain parquet"] ??= []).push(performance.now() - started);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  for (const [key, values] of Object.entries(times)) {
    console.log(
      `${key.padEnd(16)} mean ${mean(values).toFixed(1).padStart(7)} ms  median ${
        median(values).toFixed(1).padStart(7)
      } ms  max ${Math.max(...values).toFixed(1).padStart(7)} ms`,
    );
  }
  const ref = mean(times["plain parquet"]!);
  const a = mean(times["all 10"]!);
  const b = mean(times[`all ${commits}`]!);
  console.log(
    `streaming append (mean of every append, checkpoints included): ${commits}/10 commits ` +
      `${(b / a).toFixed(2)}x: goal within 2x ${b / a <= 2 ? "met" : "not met"}; ` +
      `Delta/plain parquet ${(a / ref).toFixed(1)}x at 10 commits, ${
        (b / ref).toFixed(1)
      }x at ${commits}`,
  );
}

/** Runs the benchmark with command-line `args` (see `--help`). */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    rows: {
      type: "string",
      value: "N",
      help: "rows to append in the throughput run (default 1000000)",
    },
    batch: { type: "string", value: "N", help: "rows per append (default 10000)" },
    commits: {
      type: "string",
      value: "N",
      help: "commits of the long table in the load run (default 1000)",
    },
    loads: {
      type: "string",
      value: "N",
      help: "snapshot loads timed per table, median reported (default 50)",
    },
    "store-commits": {
      type: "string",
      value: "N",
      help: "appends of 1000 rows in the local disk / local S3 run (default 30)",
    },
    only: {
      type: "string",
      value: "PART",
      help: "run one part: append, load, stream or stores (default all)",
    },
    "stream-commits": {
      type: "string",
      value: "N",
      help:
        "streaming commits of the long table in the streaming-append run; 0 skips (default 1000)",
    },
    appends: {
      type: "string",
      value: "N",
      help: "timed streaming appends per table and mode (default 20)",
    },
  }, USAGE);
  const rows = numberFlag("rows", flags.rows, { min: 1 }) ?? 1_000_000;
  const batch = numberFlag("batch", flags.batch, { min: 1 }) ?? 10_000;
  const commits = numberFlag("commits", flags.commits, { min: 1 }) ?? 1000;
  const loads = numberFlag("loads", flags.loads, { min: 1 }) ?? 50;
  const storeCommits = numberFlag("store-commits", flags["store-commits"], { min: 1 }) ?? 30;
  const streamCommits = numberFlag("stream-commits", flags["stream-commits"], { min: 0 }) ?? 1000;
  const appends = numberFlag("appends", flags.appends, { min: 1 }) ?? 20;
  const only = flags.only;
  if (only !== undefined && !["append", "load", "stream", "stores"].includes(only)) {
    throw new UsageError(`Invalid --only "${only}": expected append, load, stream or stores`);
  }
  const dir = await Deno.makeTempDir({ prefix: "pinstream-bench-delta-" });
  try {
    if (!only || only === "append") await appendThroughput(dir, rows, batch);
    if (!only || only === "load") await snapshotLoads(dir, commits, loads);
    if ((!only || only === "stream") && streamCommits > 0) {
      await streamingAppend(dir, streamCommits, appends);
    }
    if (!only || only === "stores") await storeComparison(dir, storeCommits, 1000);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runMain(() => run(Deno.args));
