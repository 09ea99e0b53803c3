import assert from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { createStream } from "../../lib/kinesis/admin.ts";
import { DeltaTable } from "../../lib/delta/mod.ts";
import { cleanUser } from "../../lib/clean/mod.ts";
import { cleanTransform, QUARANTINE_SCHEMA, readStream } from "../../lib/stream/mod.ts";
import type { WriteStreamOptions } from "../../lib/stream/mod.ts";
import { KINESIS_TEST, readAll, startKinesis } from "../_kinesis.ts";
import { findPython, withTempDir } from "../_helpers.ts";
import { putRaw, readTable, sourceRows } from "./_fixtures.ts";

/** The rows of a frame as objects. */
function rows(df: { toRecords(): Record<string, unknown>[] }): Record<string, unknown>[] {
  return df.toRecords();
}

function bytesOf(base64: string): number[] {
  return [...Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))];
}

function write(dir: string, extra: Partial<WriteStreamOptions> = {}): WriteStreamOptions {
  return {
    format: "delta",
    checkpointLocation: join(dir, "checkpoint"),
    path: join(dir, "table"),
    trigger: { availableNow: true },
    transform: cleanTransform("user"),
    ...extra,
  };
}

const python = await findPython(["boto3"]);
if (!python) console.log("skip: the boto3 quarantine test: python3 with boto3 is absent");

Deno.test({
  name:
    "records put with boto3 that are not UTF-8 or not JSON come back from the quarantine table byte for byte, with their provenance",
  ignore: !python,
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    try {
      await withTempDir(async (dir) => {
        await createStream(fx.kinesis, "bytes", { shardCount: 2 });
        // Random bytes (almost never UTF-8), bytes that are not UTF-8 for sure, and
        // UTF-8 text that is not JSON; boto3 puts them and prints what Kinesis answered.
        const script = `
import base64, json, os, random
import boto3
c = boto3.client("kinesis", endpoint_url="${fx.emulator.endpoint}", region_name="us-east-1",
    aws_access_key_id="local", aws_secret_access_key="local")
random.seed(4)
payloads = [os.urandom(random.randint(1, 300)) for _ in range(20)]
payloads += [b"\\xff\\xfe\\x00{\\"ind\\": 1}", b"\\xc3(", "caf\\u00e9 \\u2713 not json".encode("utf-8")]
out = []
for i, data in enumerate(payloads):
    r = c.put_record(StreamName="bytes", Data=data, PartitionKey=f"key-{i}")
    out.append({"data": base64.b64encode(data).decode(), "partitionKey": f"key-{i}",
                "shardId": r["ShardId"], "sequenceNumber": r["SequenceNumber"]})
print(json.dumps(out))
`;
        const out = await new Deno.Command(python!, { args: ["-c", script] }).output();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        const put = JSON.parse(new TextDecoder().decode(out.stdout)) as {
          data: string;
          partitionKey: string;
          shardId: string;
          sequenceNumber: string;
        }[];
        const arrivals = new Map(
          (await readAll(fx.kinesis, "bytes")).map((r) => [
            r.SequenceNumber!,
            r.ApproximateArrivalTimestamp!.getTime(),
          ]),
        );

        const query = await readStream({
          format: "kinesis",
          streamName: "bytes",
          kinesis: fx.kinesis,
          initialPosition: "earliest",
          minFetchPeriod: 50,
        }).writeStream(write(dir)).start();
        await query.awaitTermination();

        assert.equal((await readTable(join(dir, "table"))).height, 0);
        const quarantine = await readTable(join(dir, "table_quarantine"));
        assert.deepEqual(quarantine.columns, Object.keys(QUARANTINE_SCHEMA));
        const bySeq = new Map(rows(quarantine).map((r) => [r.sequenceNumber as string, r]));
        assert.equal(bySeq.size, put.length);
        const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
        for (const p of put) {
          const row = bySeq.get(p.sequenceNumber);
          assert.ok(row, `record ${p.sequenceNumber} is not in the quarantine table`);
          const bytes = Uint8Array.from(bytesOf(p.data));
          assert.deepEqual(bytesOf(row.data_base64 as string), [...bytes]);
          let text: string | null = null;
          try {
            text = strict.decode(bytes);
          } catch { /* not UTF-8 */ }
          assert.equal(row.data, text);
          assert.equal(row.partitionKey, p.partitionKey);
          assert.equal(row.shardId, p.shardId);
          assert.equal(row.stream, "bytes");
          assert.equal(
            (row.approximateArrivalTimestamp as Date).getTime(),
            arrivals.get(p.sequenceNumber),
          );
          assert.equal(row.stage, "parse");
          if (text === null) assert.equal(row.reason, "Not UTF-8 text");
        }
        // The three known payloads: two not UTF-8, one UTF-8 text that is not JSON.
        const last = put.slice(-3).map((p) => bySeq.get(p.sequenceNumber)!);
        assert.deepEqual(last.map((r) => r.data), [null, null, "café ✓ not json"]);
        assert.match(last[2]!.reason as string, /^Not JSON: /);
      });
    } finally {
      await fx.close();
    }
  },
});

Deno.test({
  name:
    "a record that fails in the transform stage is quarantined with its exact payload, shard, sequence number, key and arrival time",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    try {
      await withTempDir(async (dir) => {
        await createStream(fx.kinesis, "poison", { shardCount: 2 });
        const users = await sourceRows("user", 12);
        const poisonInd = users[5]!.ind as number;
        // The poison record's text is not what JSON.stringify of the parsed record gives:
        // spacing and key order differ, so only the original bytes match it.
        const payloads = users.map((u, i) =>
          i === 5
            ? `{ "last_name": ${JSON.stringify(u.last_name)},  "ind": ${u.ind}, ` +
              `"first_name": ${JSON.stringify(u.first_name)}, "age": ${u.age}, ` +
              `"date_joined": ${JSON.stringify(u.date_joined)} }`
            : JSON.stringify(u)
        );
        await putRaw(fx.kinesis, "poison", payloads.filter((_, i) => i !== 5));
        const poisonKey = "poison-key";
        const poisonPut = await fx.kinesis.send(
          new PutRecordCommand({
            StreamName: "poison",
            Data: new TextEncoder().encode(payloads[5]),
            PartitionKey: poisonKey,
          }),
        );
        const poisonSeq = poisonPut.SequenceNumber!;
        const stored = (await readAll(fx.kinesis, "poison")).find((r) =>
          r.SequenceNumber === poisonSeq
        )!;

        // A cleaning that refuses the poison record (as a cleaner bug or an
        // unexpected value would), and cleans everything else as usual.
        const clean = (frame: pl.DataFrame) => {
          const inds = frame.getColumn("ind").toArray().map(Number);
          if (inds.includes(poisonInd)) {
            return Promise.reject(new Error(`cannot clean ind ${poisonInd}`));
          }
          return cleanUser(frame);
        };
        const query = await readStream({
          format: "kinesis",
          streamName: "poison",
          kinesis: fx.kinesis,
          initialPosition: "earliest",
          minFetchPeriod: 50,
        }).writeStream(write(dir, { transform: cleanTransform("user", { clean }) })).start();
        await query.awaitTermination();

        const table = await readTable(join(dir, "table"));
        assert.deepEqual(
          table.getColumn("ind").toArray().map(Number).sort((a, b) => a - b),
          users.map((u) => u.ind as number).filter((i) => i !== poisonInd).sort((a, b) => a - b),
        );
        const quarantine = rows(await readTable(join(dir, "table_quarantine")));
        assert.deepEqual(quarantine, [{
          data: payloads[5],
          data_base64: btoa(payloads[5]!),
          partitionKey: poisonKey,
          stream: "poison",
          shardId: poisonPut.ShardId,
          sequenceNumber: poisonSeq,
          approximateArrivalTimestamp: stored.ApproximateArrivalTimestamp,
          stage: "transform",
          reason: `cannot clean ind ${poisonInd}`,
        }]);
      });
    } finally {
      await fx.close();
    }
  },
});

Deno.test({
  name:
    "a query refuses to start on a quarantine table written without data_base64, saying what to do",
  ...KINESIS_TEST,
  async fn() {
    const fx = await startKinesis();
    try {
      await withTempDir(async (dir) => {
        await createStream(fx.kinesis, "old", { shardCount: 1 });
        const { data_base64: _, ...oldSchema } = QUARANTINE_SCHEMA;
        await DeltaTable.create(join(dir, "table_quarantine"), oldSchema);
        await assert.rejects(
          readStream({
            format: "kinesis",
            streamName: "old",
            kinesis: fx.kinesis,
            initialPosition: "earliest",
          }).writeStream(write(dir)).start(),
          /^Error: Cannot start query: quarantine table .*table_quarantine has no column data_base64 \(it was written by an earlier pinstream\); move it away/,
        );
      });
    } finally {
      await fx.close();
    }
  },
});
