import assert from "node:assert/strict";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { createKinesisClient } from "../../lib/kinesis/client.ts";
import { startEmulator } from "../../lib/kinesis/emulator.ts";
import { createStream, listStreams } from "../../lib/kinesis/admin.ts";
import { KINESIS_TEST, readAllText } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "startEmulator() with a persist directory keeps streams and records across a restart",
  ...KINESIS_TEST,
  fn: () =>
    withTempDir(async (dir) => {
      const first = await startEmulator({ persistDir: dir });
      let kinesis = createKinesisClient({ endpoint: first.endpoint });
      try {
        await createStream(kinesis, "kept", { shardCount: 1 });
        await kinesis.send(
          new PutRecordCommand({
            StreamName: "kept",
            Data: new TextEncoder().encode('{"a":1}'),
            PartitionKey: "k",
          }),
        );
        // No wait: stop() waits for the emulator's next write of its state.
      } finally {
        kinesis.destroy();
        await first.stop();
      }
      assert.equal(processAlive(first.pid), false);
      const second = await startEmulator({ persistDir: dir, port: first.port });
      kinesis = createKinesisClient({ endpoint: second.endpoint });
      try {
        assert.deepEqual(await listStreams(kinesis), ["kept"]);
        assert.deepEqual(await readAllText(kinesis, "kept"), ['{"a":1}']);
      } finally {
        kinesis.destroy();
        await second.stop();
      }
    }),
});

Deno.test({
  name: "stop() ends the emulator's process and frees its port",
  ...KINESIS_TEST,
  fn: async () => {
    const emulator = await startEmulator();
    assert.equal(processAlive(emulator.pid), true);
    await emulator.stop();
    assert.equal(processAlive(emulator.pid), false);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: emulator.port });
    listener.close();
    await emulator.stop(); // a second stop is harmless
  },
});

Deno.test("startEmulator() refuses a bad port", async () => {
  await assert.rejects(startEmulator({ port: 70000 }), {
    name: "RangeError",
    message: "Cannot start the emulator: port must be 0 to 65535, got 70000",
  });
});
