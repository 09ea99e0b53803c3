/**
 * The raw reader of `deno task bench stream`: reads every shard of the given
 * streams from TRIM_HORIZON to the tip with plain GetRecords (all shards in
 * parallel, 10,000 a call, no pause) and prints `{records, bytes}` as one
 * JSON line. A process of its own, so that its time, like the query's,
 * includes start-up.
 *
 * Arguments: one JSON object `{endpoint, streams}`.
 *
 * @module
 */
import { listShards } from "../lib/kinesis/admin.ts";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { readShard } from "../lib/kinesis/read.ts";

if (import.meta.main) {
  const { endpoint, streams } = JSON.parse(Deno.args[0] ?? "{}") as {
    endpoint: string;
    streams: string[];
  };
  const kinesis = createKinesisClient({ endpoint, maxAttempts: 5 });
  let records = 0;
  let bytes = 0;
  try {
    await Promise.all(streams.map(async (stream) => {
      await Promise.all((await listShards(kinesis, stream)).map(async (shard) => {
        // Until an empty answer at the tip: kinesalite always answers MillisBehindLatest 0.
        for await (const page of readShard(kinesis, stream, shard.shardId, { untilEmpty: true })) {
          for (const r of page) bytes += r.Data?.byteLength ?? 0;
          records += page.length;
        }
      }));
    }));
  } finally {
    kinesis.destroy();
  }
  console.log(JSON.stringify({ records, bytes }));
}
