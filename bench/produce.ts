/**
 * `deno task bench produce`: records per second into the local Kinesis
 * emulator through the API proxy, and directly with the SDK in the same run,
 * and the latency the proxy adds per record.
 *
 * 1. Throughput: single-record puts with `--concurrency` requests in flight
 *    (proxy `PUT /streams/{s}/record` vs SDK PutRecord) and batches of
 *    `--batch-size` (proxy `PUT /streams/{s}/records` vs SDK PutRecords),
 *    the proxy and direct runs alternated in rounds so that a drift of the
 *    emulator (its stream grows) weighs on both alike.
 * 2. Added latency: `--latency` pairs of sequential puts of the same row, one
 *    through the proxy and one direct, interleaved (which goes first
 *    alternates); p50/p90/p99 of each and their difference.
 * 3. The proxy's own cost: the same PUT handled in process by the Hono app
 *    over a Kinesis client whose transport answers at once, so that what is
 *    timed is routing, JSON parsing, zod validation and serialisation.
 *
 * Rows are pin rows of `data/pinterest` of 300 to 1000 bytes of JSON.
 *
 * @module
 */
import process from "node:process";
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { startEmulator } from "../lib/kinesis/emulator.ts";
import { createStream } from "../lib/kinesis/admin.ts";
import { serveApi } from "../lib/api/app.ts";
import { readSource } from "../lib/data/mod.ts";
import { DEFAULT_SOURCE_DIR } from "../lib/emit/mod.ts";
import { numberFlag, parseFlags, runMain } from "../cli/_args.ts";

const USAGE =
  `Usage: deno task bench produce [--records N] [--batches N] [--batch-size N] [--concurrency N] [--latency N]

Measures records/s into the local Kinesis emulator through the API proxy and
directly with the SDK, and the proxy's added latency per record.`;

const STREAM = "pinstream-bench-produce";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Row {
  value: unknown;
  bytes: Uint8Array;
}

/** Runs the benchmark with command-line `args` (see `--help`). */
export async function run(args: string[]): Promise<void> {
  const { flags } = parseFlags(args, {
    records: {
      type: "string",
      value: "N",
      help: "single-record puts per path, proxy and direct (default 1000)",
    },
    batches: { type: "string", value: "N", help: "PutRecords batches per path (default 8)" },
    "batch-size": {
      type: "string",
      value: "N",
      help: "records per batch, at most 500 (default 500)",
    },
    concurrency: {
      type: "string",
      value: "N",
      help: "requests in flight in the throughput runs (default 16)",
    },
    latency: {
      type: "string",
      value: "N",
      help: "sequential pairs (proxy, direct) for the latency (default 600)",
    },
  }, USAGE);
  const count = (name: string, fallback: number, max = 1_000_000) =>
    numberFlag(name, flags[name], { min: 1, max }) ?? fallback;
  const records = count("records", 1000);
  const batches = count("batches", 8);
  const batchSize = count("batch-size", 500, 500);
  const concurrency = count("concurrency", 16);
  const pairs = count("latency", 600);

  const rows = (await readSource(DEFAULT_SOURCE_DIR)).pin
    .map((value) => ({ value, bytes: encoder.encode(JSON.stringify(value)) }))
    .filter((r) => r.bytes.byteLength >= 300 && r.bytes.byteLength <= 1000);
  const meanBytes = rows.reduce((n, r) => n + r.bytes.byteLength, 0) / rows.length;
  console.log(
    `${rows.length} pin rows of 300-1000 bytes (mean ${meanBytes.toFixed(0)} bytes); ` +
      `${records} single puts and ${batches} batches of ${batchSize} per path, ` +
      `${concurrency} in flight; ${pairs} latency pairs`,
  );

  await using emulator = await startEmulator();
  const kinesis = createKinesisClient({ endpoint: emulator.endpoint });
  await using api = serveApi(kinesis);
  try {
    await createStream(kinesis, STREAM, { shardCount: 4 });
    const paths = {
      proxy: new ProxyPath(api.url),
      direct: new DirectPath(kinesis),
    };
    console.log(`emulator ${emulator.version} hosted by ${emulator.host}; warming up`);
    for (const path of Object.values(paths)) {
      await inFlight(200, concurrency, (i) => path.put(rows[i % rows.length]!));
      await path.putBatch(rows.slice(0, batchSize));
    }

    // Throughput, in two rounds of proxy then direct, then direct then proxy.
    const timer = () => new Timer(emulator.pid);
    const single = { proxy: timer(), direct: timer() };
    const batch = { proxy: timer(), direct: timer() };
    let offset = 0;
    // Eight rounds, proxy and direct alternating (ABBA), so drift and noise weigh on both alike.
    const rounds: ("proxy" | "direct")[][] = Array.from(
      { length: 8 },
      (_, i) => i % 4 === 0 || i % 4 === 3 ? ["proxy", "direct"] : ["direct", "proxy"],
    );
    for (const order of rounds) {
      for (const name of order) {
        const n = Math.ceil(records / rounds.length);
        const start = offset;
        await single[name].time(
          n,
          () => inFlight(n, concurrency, (i) => paths[name].put(rows[(start + i) % rows.length]!)),
        );
      }
      offset += Math.ceil(records / rounds.length);
      for (const name of order) {
        const n = Math.ceil(batches / rounds.length);
        await batch[name].time(n * batchSize, () =>
          inFlight(n, Math.min(concurrency, 4), (i) => {
            const from = ((offset + i) * batchSize) % Math.max(1, rows.length - batchSize);
            return paths[name].putBatch(rows.slice(from, from + batchSize));
          }));
      }
    }

    // Added latency: sequential pairs of the same row, interleaved.
    const latency = { proxy: [] as number[], direct: [] as number[] };
    const diffs: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const row = rows[i % rows.length]!;
      const order = i % 2 === 0 ? ["proxy", "direct"] as const : ["direct", "proxy"] as const;
      const took: Record<string, number> = {};
      for (const name of order) {
        const t0 = performance.now();
        await paths[name].put(row);
        took[name] = performance.now() - t0;
        latency[name].push(took[name]);
      }
      diffs.push(took.proxy! - took.direct!);
    }

    const own = await isolatedCost(rows, 3000, batchSize);

    console.log("\nThroughput (records/s)");
    table(
      ["mode", "proxy", "direct (SDK)", "proxy/direct", "CPU ms/record proxy", "direct"],
      [
        [
          `single PUT, ${concurrency} in flight`,
          fmt(single.proxy.rate),
          fmt(single.direct.rate),
          (single.proxy.rate / single.direct.rate).toFixed(2),
          single.proxy.cpu,
          single.direct.cpu,
        ],
        [
          `batches of ${batchSize}`,
          fmt(batch.proxy.rate),
          fmt(batch.direct.rate),
          (batch.proxy.rate / batch.direct.rate).toFixed(2),
          batch.proxy.cpu,
          batch.direct.cpu,
        ],
      ],
    );
    console.log(`\nLatency per record, sequential, ${pairs} interleaved pairs (ms)`);
    const q = (xs: number[], p: number) => quantile(xs, p).toFixed(2);
    table(
      ["", "p50", "p90", "p99"],
      [
        ["proxy", q(latency.proxy, 0.5), q(latency.proxy, 0.9), q(latency.proxy, 0.99)],
        ["direct (SDK)", q(latency.direct, 0.5), q(latency.direct, 0.9), q(latency.direct, 0.99)],
        ...[[0.5, 0.9, 0.99]].map((ps) => [
          "added (proxy - direct)",
          ...ps.map((p) => (quantile(latency.proxy, p) - quantile(latency.direct, p)).toFixed(2)),
        ]),
        ["pairwise difference", q(diffs, 0.5), q(diffs, 0.9), q(diffs, 0.99)],
      ],
    );
    console.log(
      `\nThe proxy's cost isolated: Kinesis transport answering at once, interleaved (ms)`,
    );
    const q3 = (xs: number[], p: number) => quantile(xs, p).toFixed(3);
    /** The proxy's and the SDK's rows of one kind of put, and what the proxy adds. */
    const costRows = (proxy: string, direct: string, added: string, xs: number[], ys: number[]) => [
      [proxy, String(xs.length), q3(xs, 0.5), q3(xs, 0.99)],
      [direct, String(ys.length), q3(ys, 0.5), q3(ys, 0.99)],
      [added, "", ...[0.5, 0.99].map((p) => (quantile(xs, p) - quantile(ys, p)).toFixed(3))],
    ];
    table(["", "n", "p50", "p99"], [
      ...costRows(
        "single PUT via proxy (socket)",
        "SDK PutRecord",
        "added per record",
        own.proxySingle,
        own.directSingle,
      ),
      ...costRows(
        `batch of ${batchSize} via proxy`,
        `SDK PutRecords ${batchSize}`,
        "added per batch",
        own.proxyBatch,
        own.directBatch,
      ),
    ]);
    const ratio = Math.min(
      single.proxy.rate / single.direct.rate,
      batch.proxy.rate / batch.direct.rate,
    );
    const added99 = quantile(latency.proxy, 0.99) - quantile(latency.direct, 0.99);
    console.log(
      `\nGoal: ratio >= 0.9 (${ratio >= 0.9 ? "met" : "missed"}: ${ratio.toFixed(2)}), ` +
        `added p99 < 5 ms (${added99 < 5 ? "met" : "missed"}: ${added99.toFixed(2)} ms)`,
    );
  } finally {
    kinesis.destroy();
  }
}

/** Puts through the API proxy with fetch (keep-alive), as the emitter does. */
class ProxyPath {
  #url: string;
  constructor(apiUrl: string) {
    this.#url = `${apiUrl}/streams/${STREAM}`;
  }
  async put(row: Row): Promise<void> {
    const res = await fetch(`${this.#url}/record`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ StreamName: STREAM, Data: row.value, PartitionKey: key() }),
    });
    await check(res);
  }
  async putBatch(rows: Row[]): Promise<void> {
    const res = await fetch(`${this.#url}/records`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        StreamName: STREAM,
        Records: rows.map((r) => ({ Data: r.value, PartitionKey: key() })),
      }),
    });
    const out = await check(res) as { FailedRecordCount: number };
    if (out.FailedRecordCount > 0) {
      throw new Error(`Proxy PutRecords failed ${out.FailedRecordCount} records`);
    }
  }
}

/** Puts with the SDK directly: the same bytes the proxy would send. */
class DirectPath {
  #kinesis: KinesisClient;
  constructor(kinesis: KinesisClient) {
    this.#kinesis = kinesis;
  }
  async put(row: Row): Promise<void> {
    await this.#kinesis.send(
      new PutRecordCommand({ StreamName: STREAM, Data: row.bytes, PartitionKey: key() }),
    );
  }
  async putBatch(rows: Row[]): Promise<void> {
    const out = await this.#kinesis.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: rows.map((r) => ({ Data: r.bytes, PartitionKey: key() })),
      }),
    );
    if ((out.FailedRecordCount ?? 0) > 0) {
      throw new Error(`Direct PutRecords failed ${out.FailedRecordCount} records`);
    }
  }
}

/** A Kinesis client whose transport answers at once, as PutRecord or PutRecords would. */
function instantKinesis(): KinesisClient {
  const one = {
    SequenceNumber: "4959033827149025660855969253836",
    ShardId: "shardId-000000000000",
  };
  const single = encoder.encode(JSON.stringify(one));
  const answers = new Map<number, Uint8Array<ArrayBuffer>>();
  const batchAnswer = (n: number) => {
    let bytes = answers.get(n);
    if (!bytes) {
      bytes = encoder.encode(
        JSON.stringify({ FailedRecordCount: 0, Records: Array.from({ length: n }, () => one) }),
      );
      answers.set(n, bytes);
    }
    return bytes;
  };
  return new KinesisClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: {
      handle: (request: { headers: Record<string, string>; body: string | Uint8Array }) => {
        const batch = request.headers["x-amz-target"]?.endsWith("PutRecords");
        const answer = batch
          ? batchAnswer(
            (JSON.parse(
              typeof request.body === "string" ? request.body : decoder.decode(request.body),
            ) as { Records: unknown[] }).Records.length,
          )
          : single;
        return Promise.resolve({
          response: {
            statusCode: 200,
            headers: { "content-type": "application/x-amz-json-1.1" },
            body: new Blob([answer]).stream(),
          },
        });
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
      // deno-lint-ignore no-explicit-any
    } as any,
  });
}

/** Latencies of the isolated comparison, in ms. */
interface Isolated {
  proxySingle: number[];
  directSingle: number[];
  proxyBatch: number[];
  directBatch: number[];
}

/**
 * The proxy's cost without the emulator's noise: the same puts through the
 * proxy on a real socket and directly with the SDK, both over a Kinesis
 * transport that answers at once, interleaved. The difference is what the
 * proxy adds: the extra HTTP hop, Hono, JSON parsing, zod and the answer.
 */
async function isolatedCost(rows: Row[], n: number, batchSize: number): Promise<Isolated> {
  const kinesis = instantKinesis();
  await using api = serveApi(kinesis);
  const proxy = new ProxyPath(api.url);
  const direct = new DirectPath(kinesis);
  const out: Isolated = { proxySingle: [], directSingle: [], proxyBatch: [], directBatch: [] };
  const timed = async (xs: number[] | undefined, fn: () => Promise<void>) => {
    const t0 = performance.now();
    await fn();
    xs?.push(performance.now() - t0);
  };
  const batches = Math.max(20, Math.round(n / 20));
  for (const warm of [true, false]) {
    for (let i = 0; i < (warm ? 300 : n); i++) {
      const row = rows[i % rows.length]!;
      await timed(warm ? undefined : out.proxySingle, () => proxy.put(row));
      await timed(warm ? undefined : out.directSingle, () => direct.put(row));
    }
    for (let i = 0; i < (warm ? 10 : batches); i++) {
      const from = (i * 37) % Math.max(1, rows.length - batchSize);
      const slice = rows.slice(from, from + batchSize);
      await timed(warm ? undefined : out.proxyBatch, () => proxy.putBatch(slice));
      await timed(warm ? undefined : out.directBatch, () => direct.putBatch(slice));
    }
  }
  kinesis.destroy();
  return out;
}

/** CPU time of a process so far (Linux /proc), in ms; NaN elsewhere. */
async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function check(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`Proxy answered ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Wall time and CPU time (this process and the emulator's) of a measured phase. */
class Timer {
  records = 0;
  ms = 0;
  ownCpuMs = 0;
  emulatorCpuMs = 0;
  #emulatorPid: number;
  constructor(emulatorPid: number) {
    this.#emulatorPid = emulatorPid;
  }
  async time(records: number, fn: () => Promise<void>): Promise<void> {
    const own0 = process.cpuUsage();
    const emu0 = await processCpuMs(this.#emulatorPid);
    const t0 = performance.now();
    await fn();
    this.ms += performance.now() - t0;
    const own = process.cpuUsage(own0);
    this.ownCpuMs += (own.user + own.system) / 1000;
    this.emulatorCpuMs += (await processCpuMs(this.#emulatorPid)) - emu0;
    this.records += records;
  }
  /** CPU ms per record: this process (client, proxy, SDK) / the emulator. */
  get cpu(): string {
    return `${(this.ownCpuMs / this.records).toFixed(2)} / ${
      (this.emulatorCpuMs / this.records).toFixed(2)
    }`;
  }
  get rate(): number {
    return this.records / (this.ms / 1000);
  }
}

/** Runs `fn(0..n-1)` with at most `limit` calls in flight. */
async function inFlight(n: number, limit: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

function key(): string {
  return crypto.randomUUID();
}

function quantile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

if (import.meta.main) await runMain(() => run(Deno.args));
