/**
 * The emitter against the real local Kinesis emulator and the API proxy:
 * what it puts in the streams, batch mode, retries through a failing proxy,
 * an unreachable API, and the `deno task emit` command.
 */
import assert from "node:assert/strict";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { streamNames } from "../../lib/config.ts";
import { readSource, type SourceTables } from "../../lib/data/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../../lib/records.ts";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { ensureStreams } from "../../lib/kinesis/admin.ts";
import { freePort, startEmulator } from "../../lib/kinesis/emulator.ts";
import { serveApi } from "../../lib/api/app.ts";
import {
  ApiUnavailableError,
  DEFAULT_SOURCE_DIR,
  emit,
  type EmitFailure,
  mulberry32,
} from "../../lib/emit/mod.ts";
import { ROOT } from "../_helpers.ts";
import { readAll } from "../_kinesis.ts";

interface StreamRecord {
  partitionKey: string;
  data: unknown;
}

/** Every record of a stream, read from TRIM_HORIZON in every shard, its data parsed as JSON. */
async function readStream(kinesis: KinesisClient, stream: string): Promise<StreamRecord[]> {
  const decoder = new TextDecoder();
  return (await readAll(kinesis, stream)).map((r) => ({
    partitionKey: r.PartitionKey ?? "",
    data: JSON.parse(decoder.decode(r.Data)),
  }));
}

/**
 * Checks that each stream of `userId` holds exactly `count` records, each a
 * source row, with no partition key twice (a resent record would repeat its
 * key), and that the three streams got the same row indices.
 */
async function assertStreamsHoldRows(
  kinesis: KinesisClient,
  userId: string,
  source: SourceTables,
  count: number,
): Promise<Record<RecordKind, number[]>> {
  const names = streamNames(userId);
  const indices = {} as Record<RecordKind, number[]>;
  for (const kind of RECORD_KINDS) {
    const rows = new Map(
      (source[kind] as Record<string, unknown>[]).map((
        r,
      ) => [r[kind === "pin" ? "index" : "ind"], r]),
    );
    const records = await readStream(kinesis, names[kind]);
    assert.equal(records.length, count, `${names[kind]} holds ${records.length} records`);
    assert.equal(
      new Set(records.map((r) => r.partitionKey)).size,
      count,
      "a record was sent twice",
    );
    indices[kind] = records.map((r) => {
      const data = r.data as Record<string, unknown>;
      const index = data[kind === "pin" ? "index" : "ind"];
      assert.deepEqual(
        data,
        rows.get(index),
        `${kind} record ${index} differs from its source row`,
      );
      return index as number;
    }).sort((a, b) => a - b);
  }
  assert.deepEqual(indices.geo, indices.pin);
  assert.deepEqual(indices.user, indices.pin);
  return indices;
}

/** A request as the flaky proxy sees it. */
interface ProxiedRequest {
  path: string;
  body: string;
}

/** A proxy in front of the API that fails some PUT requests before forwarding the rest. */
function flakyProxy(
  apiUrl: string,
  fail: (req: ProxiedRequest, n: number) => Promise<Response | undefined> | Response | undefined,
) {
  let n = 0;
  const counts = { failed: 0, forwarded: 0 };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = req.method === "GET" ? undefined : await req.text();
    if (req.method === "PUT") {
      const answer = await fail({ path, body: body ?? "" }, ++n);
      if (answer) {
        counts.failed += 1;
        return answer;
      }
    }
    counts.forwarded += 1;
    const res = await fetch(`${apiUrl}${path}`, {
      method: req.method,
      headers: { "content-type": "application/json" },
      body,
    });
    return new Response(await res.text(), {
      status: res.status,
      headers: { "content-type": "application/json" },
    });
  });
  return {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    counts,
    shutdown: () => server.shutdown(),
  };
}

Deno.test({
  name: "the emitter puts source rows into the three streams of the real emulator",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const source = await readSource(DEFAULT_SOURCE_DIR);
    const emulator = await startEmulator();
    const kinesis = createKinesisClient({ endpoint: emulator.endpoint });
    const api = serveApi(kinesis);
    try {
      await t.step(
        "count: 50 puts exactly 50 records in each stream, each a source row picked by the seed",
        async () => {
          await ensureStreams(kinesis, "emitcount", { shardCount: 2 });
          const stats = await emit({
            apiUrl: api.url,
            userId: "emitcount",
            source,
            count: 50,
            rate: 500,
            seed: 7,
          });
          assert.equal(stats.sent, 150);
          assert.equal(stats.failed, 0);
          for (const kind of RECORD_KINDS) assert.equal(stats.streams[kind].sent, 50);
          const indices = await assertStreamsHoldRows(kinesis, "emitcount", source, 50);
          const random = mulberry32(7);
          const expected = Array.from(
            { length: 50 },
            () => recordIndexAt(source, Math.floor(random() * source.pin.length)),
          ).sort((a, b) => a - b);
          assert.deepEqual(indices.pin, expected);
        },
      );

      await t.step("batch mode sends the rows with PutRecords through /records", async () => {
        await ensureStreams(kinesis, "emitbatch", { shardCount: 2 });
        const stats = await emit({
          apiUrl: `${api.url}/`,
          userId: "emitbatch",
          source,
          count: 120,
          batch: 50,
          rate: 10_000,
        });
        assert.equal(stats.sent, 360);
        assert.equal(stats.failed, 0);
        await assertStreamsHoldRows(kinesis, "emitbatch", source, 120);
      });

      await t.step(
        "503 and 429 answers are retried without losing or duplicating a record",
        async () => {
          await ensureStreams(kinesis, "emitretry", { shardCount: 2 });
          // Every other request of the first 40 is refused before it reaches the API.
          const proxy = flakyProxy(
            api.url,
            (_req, n) =>
              n <= 40 && n % 2 === 1
                ? Response.json({ message: "Service unavailable" }, {
                  status: n % 4 === 1 ? 503 : 429,
                })
                : undefined,
          );
          try {
            const stats = await emit({
              apiUrl: proxy.url,
              userId: "emitretry",
              source,
              count: 30,
              rate: 1000,
              maxInFlight: 4,
              // More attempts than refusals: no record can run out of them.
              maxAttempts: 25,
              backoffBaseMs: 5,
              backoffCapMs: 50,
            });
            assert.equal(stats.failed, 0);
            assert.equal(stats.sent, 90);
            assert.equal(stats.retried, 20);
            assert.equal(proxy.counts.failed, 20);
          } finally {
            await proxy.shutdown();
          }
          await assertStreamsHoldRows(kinesis, "emitretry", source, 30);
        },
      );

      await t.step("records that PutRecords refuses are sent again, and only those", async () => {
        await ensureStreams(kinesis, "emitpartial", { shardCount: 2 });
        // The first batch request: only its even records reach Kinesis, the odd ones are throttled.
        const proxy = flakyProxy(api.url, async (req, n) => {
          if (n !== 1) return undefined;
          const body = JSON.parse(req.body) as { Records: unknown[] };
          const even = body.Records.filter((_, i) => i % 2 === 0);
          const res = await fetch(`${api.url}${req.path}`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ Records: even }),
          });
          const out = await res.json() as { Records: unknown[] };
          return Response.json({
            FailedRecordCount: body.Records.length - even.length,
            Records: body.Records.map((_, i) =>
              i % 2 === 0 ? out.Records[i / 2] : {
                ErrorCode: "ProvisionedThroughputExceededException",
                ErrorMessage: "Rate exceeded for shard",
              }
            ),
          });
        });
        try {
          const stats = await emit({
            apiUrl: proxy.url,
            userId: "emitpartial",
            source,
            count: 20,
            batch: 20,
            rate: 1000,
            backoffBaseMs: 5,
          });
          assert.equal(stats.failed, 0);
          assert.equal(stats.sent, 60);
          assert.equal(stats.retried, 10);
        } finally {
          await proxy.shutdown();
        }
        await assertStreamsHoldRows(kinesis, "emitpartial", source, 20);
      });

      await t.step(
        "a record that still fails after every attempt is reported and counted",
        async () => {
          await ensureStreams(kinesis, "emitfail", { shardCount: 2 });
          const proxy = flakyProxy(
            api.url,
            () => Response.json({ message: "Kinesis is unreachable" }, { status: 502 }),
          );
          const failures: EmitFailure[] = [];
          try {
            const stats = await emit({
              apiUrl: proxy.url,
              userId: "emitfail",
              source,
              count: 2,
              rate: 1000,
              maxAttempts: 3,
              backoffBaseMs: 1,
              onFailure: (f) => failures.push(f),
            });
            assert.equal(stats.sent, 0);
            assert.equal(stats.failed, 6);
            assert.equal(stats.retried, 12);
            assert.equal(failures.length, 6);
            assert.equal(stats.failures.length, 6);
            assert.match(
              failures[0]!.reason,
              /answered 502: Kinesis is unreachable \(after 3 attempts\)/,
            );
            assert.equal(failures[0]!.attempts, 3);
          } finally {
            await proxy.shutdown();
          }
          assert.deepEqual(await readStream(kinesis, streamNames("emitfail").pin), []);
        },
      );

      await t.step("a stream missing behind the API fails at start, naming it", async () => {
        await assert.rejects(
          emit({ apiUrl: api.url, userId: "nosuchuser", source, count: 1, rate: 10 }),
          (error: Error) => {
            assert.ok(error instanceof ApiUnavailableError);
            assert.match(error.message, /"streaming-nosuchuser-pin".*do not exist/);
            return true;
          },
        );
      });

      await t.step("the stats render as an HTML table in a notebook", async () => {
        const stats = await emit({
          apiUrl: api.url,
          userId: "emitcount",
          source,
          count: 1,
          rate: 10,
        });
        const display = (stats as unknown as Record<symbol, () => Record<string, string>>)[
          Symbol.for("Jupyter.display")
        ]!;
        const bundle = display.call(stats);
        assert.match(bundle["text/html"]!, /<code>streaming-emitcount-pin<\/code>/);
        assert.match(bundle["text/html"]!, /<th>rows\/s<\/th>/);
      });

      await t.step("deno task emit --count 5 sends 5 rows per stream and exits 0", async () => {
        await ensureStreams(kinesis, "emitcli", { shardCount: 2 });
        const out = await runEmit(
          ["--api", api.url, "--count", "5", "--rate", "50", "--seed", "3"],
          {
            USER_ID: "emitcli",
          },
        );
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, /Done after .* 15 records sent, 0 failed/);
        assert.match(out.stdout, /pin +streaming-emitcli-pin +sent 5 /);
        await assertStreamsHoldRows(kinesis, "emitcli", source, 5);
      });
    } finally {
      await api.shutdown();
      kinesis.destroy();
      await emulator.stop();
    }
  },
});

Deno.test("emit() fails at start with a clear message when the API cannot be reached", async () => {
  const apiUrl = `http://127.0.0.1:${freePort()}`;
  await assert.rejects(
    emit({ apiUrl, count: 1, rate: 10 }),
    (error: Error) => {
      assert.ok(error instanceof ApiUnavailableError);
      assert.equal(error.apiUrl, apiUrl);
      assert.match(
        error.message,
        /^Cannot emit to the API at http:\/\/127\.0\.0\.1:\d+: it cannot be reached/,
      );
      return true;
    },
  );
});

Deno.test("emit() refuses options out of range before sending anything", () => {
  assert.throws(() => emit({ apiUrl: "http://127.0.0.1:9", batch: 501 }), RangeError);
  assert.throws(() => emit({ apiUrl: "http://127.0.0.1:9", rate: 0 }), RangeError);
  assert.throws(() => emit({ apiUrl: "ftp://example.com" }), TypeError);
});

Deno.test("deno task emit exits 1 with a clear message when the API cannot be reached", async () => {
  const out = await runEmit(["--api", `http://127.0.0.1:${freePort()}`, "--count", "1"]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /error: Cannot emit to the API at .*: it cannot be reached/);
});

Deno.test("deno task emit exits 2 naming a bad option", async () => {
  const bad = await runEmit(["--rate", "fast"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid --rate "fast": expected a number/);
  const unknown = await runEmit(["--speed", "3"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--speed'/);
});

Deno.test({
  name: "deno task emit without an API starts the emulator and the proxy, and stops them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const out = await runEmit(["--count", "3", "--rate", "50"]);
    assert.equal(out.code, 0, out.stderr);
    const endpoint = /Started the local Kinesis emulator at (\S+)/.exec(out.stdout)?.[1];
    assert.ok(endpoint, out.stdout);
    assert.match(out.stdout, /Done after .* 9 records sent, 0 failed/);
    // Everything it started is gone: the emulator's port no longer answers.
    await assert.rejects(
      fetch(endpoint, { method: "POST", body: "{}" }).then((r) => r.body?.cancel()),
    );
  },
});

function recordIndexAt(source: SourceTables, i: number): number {
  return source.pin[i]!.index;
}

async function runEmit(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "emit", ...args],
    cwd: ROOT,
    env: { API_URL: "", KINESIS_ENDPOINT: "", API_KEY: "", KINESIS_PORT: "", API_PORT: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
