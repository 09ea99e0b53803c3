import assert from "node:assert/strict";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { startEmulator } from "../../lib/kinesis/emulator.ts";
import { ensureStreams, ON_DEMAND_SHARD_COUNT } from "../../lib/kinesis/admin.ts";
import { streamNames } from "../../lib/config.ts";
import { KINESIS_TEST, readAllText } from "../_kinesis.ts";

Deno.test({
  name:
    "startEmulator({ engine: kinesalite }) serves provisioned 4-shard streams from ensureStreams, and stop() ends it",
  ...KINESIS_TEST,
  fn: async () => {
    const emulator = await startEmulator({ engine: "kinesalite" });
    const kinesis = createKinesisClient({ endpoint: emulator.endpoint });
    try {
      assert.equal(emulator.engine, "kinesalite");
      const described = await ensureStreams(kinesis, "kinesalitetest");
      for (const d of Object.values(described)) {
        assert.equal(d.mode, "PROVISIONED");
        assert.equal(d.shards.length, ON_DEMAND_SHARD_COUNT);
        assert.equal(d.status, "ACTIVE");
      }
      // A second call finds them and creates nothing.
      await ensureStreams(kinesis, "kinesalitetest");
      const stream = streamNames("kinesalitetest").pin;
      const data = Array.from({ length: 500 }, (_, i) => JSON.stringify({ index: i }));
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: data.map((d, i) => ({
            Data: new TextEncoder().encode(d),
            PartitionKey: `k${i}`,
          })),
        }),
      );
      assert.equal(out.FailedRecordCount ?? 0, 0);
      assert.deepEqual((await readAllText(kinesis, stream)).sort(), [...data].sort());
    } finally {
      kinesis.destroy();
      await emulator.stop();
    }
    assert.notEqual(await emulator.exited, undefined);
  },
});

Deno.test("startEmulator() refuses to persist kinesalite's in-memory data", async () => {
  await assert.rejects(
    startEmulator({ engine: "kinesalite", persistDir: "/tmp/nowhere" }),
    TypeError,
  );
});
