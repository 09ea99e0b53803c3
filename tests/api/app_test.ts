import assert from "node:assert/strict";
import { createApp, serveApi } from "../../lib/api/app.ts";
import { ensureStreams, listStreams, waitForActive } from "../../lib/kinesis/admin.ts";
import { KINESIS_TEST, readAllText, startKinesis } from "../_kinesis.ts";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { findPython, lazyBody } from "../_helpers.ts";

const PIN = "streaming-t1-pin";
const GEO = "streaming-t1-geo";
const USER = "streaming-t1-user";
const TOO_LARGE =
  "Request body is larger than the 5242880 bytes (5 MiB) the API proxy accepts in one request";
const row = {
  index: 7528,
  unique_id: "0b6f3c2e-5d4a-4f1b-9c3e-8a7d6e5f4c3b",
  title: "Über “quotes”",
};

Deno.test({
  name: "the API proxy maps every route onto Kinesis actions",
  ...KINESIS_TEST,
  fn: async (t) => {
    const { kinesis, close } = await startKinesis();
    const log: string[] = [];
    const app = createApp(kinesis, { onLog: (line) => log.push(line) });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await app.request(path, {
        method,
        body: body === undefined
          ? undefined
          : typeof body === "string"
          ? body
          : JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      return { status: res.status, body: await res.json() };
    };
    try {
      await ensureStreams(kinesis, "t1");

      await t.step("GET /streams lists the streams (ListStreams)", async () => {
        assert.deepEqual(await call("GET", "/streams"), {
          status: 200,
          body: { HasMoreStreams: false, StreamNames: [GEO, PIN, USER] },
        });
      });

      await t.step("POST /streams/{name} creates an ON_DEMAND stream by default", async () => {
        assert.deepEqual(await call("POST", "/streams/api-on-demand"), { status: 200, body: {} });
        const d = await waitForActive(kinesis, "api-on-demand");
        assert.equal(d.mode, "ON_DEMAND");
      });

      await t.step(
        "POST /streams/{name} with ShardCount creates a provisioned stream",
        async () => {
          assert.deepEqual(await call("POST", "/streams/api-two", { ShardCount: 2 }), {
            status: 200,
            body: {},
          });
          const d = await waitForActive(kinesis, "api-two");
          assert.equal(d.mode, "PROVISIONED");
        },
      );

      await t.step("POST of an existing stream answers 409", async () => {
        const res = await call("POST", `/streams/${PIN}`);
        assert.equal(res.status, 409);
        assert.match(res.body.message, /already exists/);
      });

      await t.step("GET /streams/{name} describes the stream (DescribeStream)", async () => {
        const res = await call("GET", "/streams/api-two");
        assert.equal(res.status, 200);
        assert.equal(res.body.StreamDescription.StreamName, "api-two");
        assert.deepEqual(
          res.body.StreamDescription.Shards.map((s: { ShardId: string }) => s.ShardId),
          ["shardId-000000000000", "shardId-000000000001"],
        );
      });

      await t.step("DELETE /streams/{name} deletes it (DeleteStream)", async () => {
        assert.deepEqual(await call("DELETE", "/streams/api-two"), { status: 200, body: {} });
        await new Promise((r) => setTimeout(r, 600));
        assert.ok(!(await listStreams(kinesis)).includes("api-two"));
      });

      await t.step("PUT .../record puts the JSON of Data, read back byte for byte", async () => {
        const res = await call("PUT", `/streams/${PIN}/record`, {
          StreamName: PIN,
          Data: row,
          PartitionKey: "k1",
        });
        assert.equal(res.status, 200);
        assert.match(res.body.SequenceNumber, /^\d+$/);
        assert.match(res.body.ShardId, /^shardId-\d{12}$/);
        assert.deepEqual(await readAllText(kinesis, PIN), [JSON.stringify(row)]);
      });

      await t.step(
        "PUT .../record/ with a trailing slash works like the course's client",
        async () => {
          const res = await call("PUT", `/streams/${GEO}/record/`, {
            Data: "text",
            PartitionKey: "k",
          });
          assert.equal(res.status, 200);
          assert.deepEqual(await readAllText(kinesis, GEO), ['"text"']);
        },
      );

      await t.step("PUT .../records puts 500 Kinesis-shaped records", async () => {
        const records = Array.from({ length: 500 }, (_, i) => ({
          Data: { ...row, index: i, pad: "x".repeat(300) },
          PartitionKey: `p${i}`,
        }));
        const res = await call("PUT", `/streams/${USER}/records`, { Records: records });
        assert.equal(res.status, 200);
        assert.equal(res.body.FailedRecordCount, 0);
        assert.equal(res.body.Records.length, 500);
        const got = (await readAllText(kinesis, USER)).map((s) => JSON.parse(s).index).sort((
          a,
          b,
        ) => a - b);
        assert.deepEqual(got, records.map((_, i) => i));
      });

      await t.step(
        "PUT .../records accepts the AWS tutorial's {records: [{data, partition-key}]}",
        async () => {
          const records = Array.from({ length: 500 }, (_, i) => ({
            data: { n: i },
            "partition-key": `q${i}`,
          }));
          const res = await call("PUT", `/streams/api-on-demand/records/`, { records });
          assert.equal(res.status, 200);
          assert.equal(res.body.FailedRecordCount, 0);
          const got = (await readAllText(kinesis, "api-on-demand")).map((s) => JSON.parse(s).n);
          assert.deepEqual(got.sort((a, b) => a - b), records.map((_, i) => i));
        },
      );

      await t.step("every request gets one access-log line", () => {
        assert.match(log[0] ?? "", /^GET \/streams 200 \d+\.\dms$/);
        assert.ok(log.some((l) => /^PUT \/streams\/streaming-t1-pin\/record 200 /.test(l)));
      });
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "the API proxy answers bad input with its status and message, writes nothing and stays up",
  ...KINESIS_TEST,
  fn: async (t) => {
    const { kinesis, close } = await startKinesis();
    const app = createApp(kinesis);
    const put = async (path: string, body: string, headers: Record<string, string> = {}) => {
      const res = await app.request(path, { method: "PUT", body, headers });
      return { status: res.status, body: await res.json() };
    };
    try {
      await ensureStreams(kinesis, "t1");
      const cases: [string, string, string, number, string | RegExp][] = [
        ["malformed JSON", `/streams/${PIN}/record`, "{not json", 400, /^Malformed JSON body: /],
        [
          "missing Data",
          `/streams/${PIN}/record`,
          JSON.stringify({ PartitionKey: "k" }),
          400,
          "Invalid request body: Data is required",
        ],
        [
          "missing PartitionKey",
          `/streams/${PIN}/record`,
          JSON.stringify({ Data: {} }),
          400,
          "Invalid request body: PartitionKey is required",
        ],
        [
          "a PartitionKey of the wrong type",
          `/streams/${PIN}/record`,
          JSON.stringify({ Data: {}, PartitionKey: 5 }),
          400,
          "Invalid request body: PartitionKey must be a string",
        ],
        [
          "an empty PartitionKey",
          `/streams/${PIN}/record`,
          JSON.stringify({ Data: {}, PartitionKey: "" }),
          400,
          "Invalid request body: PartitionKey must not be empty",
        ],
        [
          "a body that is not an object",
          `/streams/${PIN}/record`,
          "[1,2]",
          400,
          "Invalid request body: body must be a JSON object",
        ],
        [
          "a body StreamName that disagrees with the path",
          `/streams/${PIN}/record`,
          JSON.stringify({ StreamName: GEO, Data: {}, PartitionKey: "k" }),
          400,
          `StreamName "${GEO}" in the body disagrees with stream "${PIN}" in the path`,
        ],
        [
          "an invalid stream name",
          "/streams/bad*name/record",
          JSON.stringify({ Data: {}, PartitionKey: "k" }),
          400,
          'Invalid stream name "bad*name": name must match [a-zA-Z0-9_.-]+ (1 to 128 characters)',
        ],
        [
          "an unknown stream",
          "/streams/nope/record",
          JSON.stringify({ Data: {}, PartitionKey: "k" }),
          404,
          'Stream "nope" does not exist',
        ],
        [
          "an oversize record",
          `/streams/${PIN}/record`,
          JSON.stringify({ Data: "x".repeat(1024 * 1024), PartitionKey: "k" }),
          413,
          "Data is 1048579 bytes with its partition key, more than the 1048576 bytes (1 MiB) Kinesis accepts in one record",
        ],
        [
          "PutRecords with 501 records",
          `/streams/${PIN}/records`,
          JSON.stringify({
            Records: Array.from({ length: 501 }, () => ({ Data: 1, PartitionKey: "k" })),
          }),
          400,
          "Invalid request body: Records must hold 1 to 500 records",
        ],
        [
          "PutRecords with both Records and records",
          `/streams/${PIN}/records`,
          JSON.stringify({ Records: "x", records: [{ data: 1, "partition-key": "k" }] }),
          400,
          "Invalid request body: Records expected array, received string",
        ],
        [
          "PutRecords with a record missing its partition key",
          `/streams/${PIN}/records`,
          JSON.stringify({ records: [{ data: 1 }] }),
          400,
          "Invalid request body: records.0.partition-key is required",
        ],
      ];
      for (const [what, path, body, status, message] of cases) {
        await t.step(`${what} gets ${status}`, async () => {
          const res = await put(path, body);
          assert.equal(res.status, status);
          if (typeof message === "string") assert.equal(res.body.message, message);
          else assert.match(res.body.message, message);
        });
      }
      await t.step("a body that is not UTF-8 gets 400 saying at which byte", async () => {
        const head = new TextEncoder().encode(`{"PartitionKey":"k","Data":"ab`);
        const body = new Uint8Array([...head, 0xff, 0xfe, ...new TextEncoder().encode(`"}`)]);
        const res = await app.request(`/streams/${PIN}/record`, {
          method: "PUT",
          body,
          headers: { "content-type": "application/json" },
        });
        assert.equal(res.status, 400);
        assert.deepEqual(await res.json(), {
          message: `Malformed JSON body: invalid UTF-8 at byte offset ${head.byteLength}`,
        });
      });
      await t.step("a body over 5 MiB gets 413, even without a Content-Length", async () => {
        const body = lazyBody(100 * 1024 * 1024);
        const res = await app.request(`/streams/${PIN}/records`, { method: "PUT", body });
        assert.equal(res.status, 413);
        assert.deepEqual(await res.json(), { message: TOO_LARGE });
        assert.ok(body.pulled() < 6 * 1024 * 1024, `${body.pulled()} bytes were read`);
      });
      await t.step(
        "a body that fails its schema gets {message, issues}, one issue per problem",
        async () => {
          assert.deepEqual(await put(`/streams/${PIN}/record`, "{}"), {
            status: 400,
            body: {
              message: "Invalid request body: Data is required; PartitionKey is required",
              issues: [
                { path: "Data", message: "is required" },
                { path: "PartitionKey", message: "is required" },
              ],
            },
          });
        },
      );
      await t.step("a PutRecords body that is neither shape gets 400", async () => {
        assert.deepEqual(await put(`/streams/${PIN}/records`, "[1,2]"), {
          status: 400,
          body: {
            message: "Invalid request body: body must be a JSON object",
            issues: [{ path: "", message: "body must be a JSON object" }],
          },
        });
      });
      await t.step("an invalid stream name in the path gets 400 with its issue", async () => {
        const message =
          'Invalid stream name "bad*name": name must match [a-zA-Z0-9_.-]+ (1 to 128 characters)';
        for (const method of ["GET", "POST", "DELETE"]) {
          const res = await app.request("/streams/bad*name", { method });
          assert.equal(res.status, 400, method);
          assert.deepEqual(await res.json(), { message, issues: [{ path: "stream", message }] });
        }
      });
      await t.step("every known path answers another method with 405 and its Allow", async () => {
        const allowed: [string, string][] = [
          ["/streams", "GET"],
          ["/streams/", "GET"],
          [`/streams/${PIN}`, "GET, POST, DELETE"],
          [`/streams/${PIN}/record/`, "PUT"],
          [`/streams/${PIN}/records`, "PUT"],
        ];
        for (const [path, allow] of allowed) {
          const res = await app.request(path, { method: "PATCH" });
          assert.equal(res.status, 405, path);
          assert.equal(res.headers.get("allow"), allow, path);
          assert.deepEqual(await res.json(), {
            message: `Method PATCH is not allowed on ${path.replace(/\/$/, "")}: use ${allow}`,
          });
        }
      });
      await t.step("a wrong method gets 405 with Allow", async () => {
        const res = await app.request(`/streams/${PIN}/record`, { method: "POST", body: "{}" });
        assert.equal(res.status, 405);
        assert.equal(res.headers.get("allow"), "PUT");
        assert.deepEqual(await res.json(), {
          message: `Method POST is not allowed on /streams/${PIN}/record: use PUT`,
        });
      });
      await t.step("an unknown route gets 404", async () => {
        const res = await app.request("/nothing", { method: "GET" });
        assert.equal(res.status, 404);
        assert.deepEqual(await res.json(), { message: "No route for GET /nothing" });
      });
      await t.step("the server still answers and no record was written", async () => {
        const res = await app.request("/streams");
        assert.equal(res.status, 200);
        for (const s of [PIN, GEO, USER]) assert.deepEqual(await readAllText(kinesis, s), []);
      });
    } finally {
      await close();
    }
  },
});

Deno.test("the API proxy names the byte offset of the first byte that is not UTF-8", async () => {
  // Refused before Kinesis is called, so the client points at nothing.
  const kinesis = createKinesisClient({ endpoint: "http://127.0.0.1:9" });
  try {
    const app = createApp(kinesis);
    const utf8 = (text: string) => [...new TextEncoder().encode(text)];
    const head = utf8(`{"PartitionKey":"k","Data":"é \uFFFD 😀 `);
    const cases: [string, number[], number][] = [
      ["an overlong encoding after a real U+FFFD", [...head, 0xc0, 0x80], head.length],
      ["a UTF-16 surrogate", [...head, 0xed, 0xa0, 0x80], head.length],
      ["a sequence cut short", [...head, 0xe2, 0x82, ...utf8(`"}`)], head.length],
      ["a byte after a byte order mark", [0xef, 0xbb, 0xbf, 0x7b, 0xff], 4],
    ];
    for (const [what, bytes, offset] of cases) {
      for (const path of [`/streams/${PIN}/record`, `/streams/${PIN}/records`, "/streams/x"]) {
        const method = path === "/streams/x" ? "POST" : "PUT";
        const res = await app.request(path, { method, body: new Uint8Array(bytes) });
        assert.equal(res.status, 400, `${what}, ${method} ${path}`);
        assert.deepEqual(await res.json(), {
          message: `Malformed JSON body: invalid UTF-8 at byte offset ${offset}`,
        }, `${what}, ${method} ${path}`);
      }
    }
  } finally {
    kinesis.destroy();
  }
});

Deno.test({
  name: "the API proxy requires a matching x-api-key when one is set",
  ...KINESIS_TEST,
  fn: async () => {
    const { kinesis, close } = await startKinesis();
    try {
      const app = createApp(kinesis, { apiKey: "s3cret" });
      for (const headers of [{}, { "x-api-key": "wrong" }] as Record<string, string>[]) {
        const res = await app.request("/streams", { headers });
        assert.equal(res.status, 403);
        assert.deepEqual(await res.json(), { message: "Forbidden" });
      }
      const ok = await app.request("/streams", { headers: { "x-api-key": "s3cret" } });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "the API proxy answers 502 with a message when Kinesis is unreachable",
  ...KINESIS_TEST,
  fn: async () => {
    const { kinesis, emulator, close } = await startKinesis();
    try {
      await emulator.stop();
      const app = createApp(kinesis);
      const res = await app.request(`/streams/${PIN}/record`, {
        method: "PUT",
        body: JSON.stringify({ Data: {}, PartitionKey: "k" }),
      });
      assert.equal(res.status, 502);
      assert.match((await res.json()).message, /^Kinesis is unreachable: /);
    } finally {
      await close();
    }
  },
});

const python = await findPython(["requests", "boto3"]);
if (!python) {
  console.log("skip: the course's Python client tests: python3 with requests and boto3 is absent");
}

Deno.test({
  name: "the course's own Python client posts through our API on a real socket and gets 200",
  ignore: !python,
  ...KINESIS_TEST,
  fn: async () => {
    const { kinesis, close } = await startKinesis();
    await using server = serveApi(kinesis, { port: 0 });
    try {
      await ensureStreams(kinesis, "t1");
      // The walkthrough's function, with its datetime-encoding JSON encoder.
      const script = `
import json, sys, datetime, requests
def send_to_kinesis(data, stream_name):
    invoke_url = f"${server.url}/streams/{stream_name}/record/"
    payload = json.dumps({"StreamName": stream_name, "Data": data, "PartitionKey": "partition-1"}, default=str)
    headers = {"Content-Type": "application/json"}
    response = requests.request("PUT", invoke_url, headers=headers, data=payload)
    return response
r = send_to_kinesis({"ind": 7528, "timestamp": datetime.datetime(2020, 8, 28, 3, 52, 47), "latitude": -89.9787, "longitude": -173.293, "country": "Albania"}, "${GEO}")
print(r.status_code)
print(r.text)
`;
      const out = await new Deno.Command(python ?? "python3", { args: ["-c", script] }).output();
      const [status, body] = new TextDecoder().decode(out.stdout).trim().split("\n");
      assert.equal(status, "200", new TextDecoder().decode(out.stderr));
      assert.deepEqual(Object.keys(JSON.parse(body ?? "{}")).sort(), [
        "EncryptionType",
        "SequenceNumber",
        "ShardId",
      ]);
      assert.deepEqual((await readAllText(kinesis, GEO)).map((s) => JSON.parse(s)), [{
        ind: 7528,
        timestamp: "2020-08-28 03:52:47",
        latitude: -89.9787,
        longitude: -173.293,
        country: "Albania",
      }]);
    } finally {
      await server.shutdown();
      await close();
    }
  },
});

Deno.test({
  name: "the embedded emulator serves a boto3 PutRecords of 500 records of 300 bytes",
  ignore: !python,
  ...KINESIS_TEST,
  fn: async () => {
    const { kinesis, emulator, close } = await startKinesis();
    try {
      await ensureStreams(kinesis, "t1");
      const script = `
import boto3, json
from botocore.config import Config
c = boto3.client("kinesis", endpoint_url="${emulator.endpoint}", region_name="us-east-1",
    aws_access_key_id="local", aws_secret_access_key="local",
    config=Config(read_timeout=20, retries={"max_attempts": 1}))
r = c.put_records(StreamName="${PIN}", Records=[{"Data": json.dumps({"i": i, "pad": "a" * 280}).encode(), "PartitionKey": str(i)} for i in range(500)])
print(r["FailedRecordCount"], len(r["Records"]))
`;
      const out = await new Deno.Command(python ?? "python3", { args: ["-c", script] }).output();
      assert.equal(
        new TextDecoder().decode(out.stdout).trim(),
        "0 500",
        new TextDecoder().decode(out.stderr).slice(-2000),
      );
      assert.equal((await readAllText(kinesis, PIN)).length, 500);
    } finally {
      await close();
    }
  },
});
