/**
 * Test fixture: a real local Kinesis emulator on a free port with a client,
 * and readers that fetch back everything a stream holds.
 *
 * @module
 */
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { type Emulator, startEmulator } from "../lib/kinesis/emulator.ts";
import { listShards } from "../lib/kinesis/admin.ts";

/** A running emulator and a client for it. */
export interface KinesisFixture {
  emulator: Emulator;
  kinesis: KinesisClient;
  close(): Promise<void>;
}

/** Starts an emulator on a free port. Call close() in a finally. */
export async function startKinesis(): Promise<KinesisFixture> {
  const emulator = await startEmulator();
  const kinesis = createKinesisClient({ endpoint: emulator.endpoint });
  return {
    emulator,
    kinesis,
    async close() {
      kinesis.destroy();
      await emulator.stop();
    },
  };
}

/** Options for `Deno.test` of tests that hold a Kinesis client across steps. */
export const KINESIS_TEST = { sanitizeOps: false, sanitizeResources: false } as const;

/** Every record in every shard of a stream, from TRIM_HORIZON, in shard order. */
export async function readAll(kinesis: KinesisClient, stream: string): Promise<_Record[]> {
  const out: _Record[] = [];
  for (const shard of await listShards(kinesis, stream)) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    while (iterator) {
      const res = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      out.push(...(res.Records ?? []));
      if (!res.Records?.length || res.MillisBehindLatest === 0) break;
      iterator = res.NextShardIterator;
    }
  }
  return out;
}

/** The records of a stream decoded as text. */
export async function readAllText(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const decoder = new TextDecoder();
  return (await readAll(kinesis, stream)).map((r) => decoder.decode(r.Data));
}
