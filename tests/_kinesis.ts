/**
 * Test fixture: a real local Kinesis emulator on a free port with a client,
 * and readers that fetch back everything a stream holds.
 *
 * @module
 */
import type { _Record, KinesisClient } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../lib/kinesis/client.ts";
import { type Emulator, startEmulator } from "../lib/kinesis/emulator.ts";
import { readStreamRecords } from "../lib/kinesis/read.ts";

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
export function readAll(kinesis: KinesisClient, stream: string): Promise<_Record[]> {
  return readStreamRecords(kinesis, stream);
}

/** The records of a stream decoded as text. */
export async function readAllText(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const decoder = new TextDecoder();
  return (await readAll(kinesis, stream)).map((r) => decoder.decode(r.Data));
}
