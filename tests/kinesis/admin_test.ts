import assert from "node:assert/strict";
import {
  createStream,
  deleteStream,
  describeStream,
  ensureStreams,
  listStreams,
} from "../../lib/kinesis/admin.ts";
import { StreamNotFoundError } from "../../lib/kinesis/errors.ts";
import { KINESIS_TEST, startKinesis } from "../_kinesis.ts";
import { jupyterBundle } from "../_helpers.ts";

Deno.test({
  name: "stream admin works against the real emulator",
  ...KINESIS_TEST,
  fn: async (t) => {
    const { kinesis, close } = await startKinesis();
    try {
      await t.step("createStream() makes an ON_DEMAND stream by default", async () => {
        const d = await createStream(kinesis, "admin-on-demand");
        assert.ok(d);
        assert.equal(d.status, "ACTIVE");
        assert.equal(d.mode, "ON_DEMAND");
        assert.equal(d.shards.length, 4);
      });
      await t.step("createStream() with a shard count makes a provisioned stream", async () => {
        const d = await createStream(kinesis, "admin-two-shards", { shardCount: 2 });
        assert.equal(d?.mode, "PROVISIONED");
        assert.deepEqual(d?.shards.map((s) => s.shardId), [
          "shardId-000000000000",
          "shardId-000000000001",
        ]);
        assert.equal(d?.openShardCount, 2);
      });
      await t.step(
        "createStream() refuses a bad name or shard count before calling Kinesis",
        async () => {
          await assert.rejects(createStream(kinesis, "bad name"), {
            name: "TypeError",
            message:
              'Invalid stream name "bad name": name must match [a-zA-Z0-9_.-]+ (1 to 128 characters)',
          });
          await assert.rejects(createStream(kinesis, "ok", { shardCount: 0 }), RangeError);
        },
      );
      await t.step("listStreams() lists both", async () => {
        assert.deepEqual(await listStreams(kinesis), ["admin-on-demand", "admin-two-shards"]);
      });
      await t.step("describeStream() has summary, shards and a Jupyter HTML face", async () => {
        const d = await describeStream(kinesis, "admin-two-shards");
        assert.equal(d.name, "admin-two-shards");
        assert.match(d.arn, /^arn:aws:kinesis:us-east-1:\d{12}:stream\/admin-two-shards$/);
        assert.equal(d.retentionHours, 24);
        assert.equal(d.shards[0]?.startingHashKey, "0");
        const html = jupyterBundle(d)["text/html"] ?? "";
        assert.match(html, /<table>.*shardId-000000000001.*<\/table>/s);
      });
      await t.step("describeStream() of an absent stream throws StreamNotFoundError", async () => {
        await assert.rejects(describeStream(kinesis, "absent"), StreamNotFoundError);
      });
      await t.step("deleteStream() removes it and waits until it is gone", async () => {
        await deleteStream(kinesis, "admin-on-demand");
        assert.deepEqual(await listStreams(kinesis), ["admin-two-shards"]);
        await assert.rejects(deleteStream(kinesis, "admin-on-demand"), StreamNotFoundError);
      });
      await t.step("ensureStreams() creates the three streams once and is idempotent", async () => {
        const first = await ensureStreams(kinesis, "u1");
        assert.deepEqual(
          Object.values(first).map((d) => [d.name, d.status, d.mode]),
          [
            ["streaming-u1-pin", "ACTIVE", "ON_DEMAND"],
            ["streaming-u1-geo", "ACTIVE", "ON_DEMAND"],
            ["streaming-u1-user", "ACTIVE", "ON_DEMAND"],
          ],
        );
        const again = await ensureStreams(kinesis, "u1");
        assert.deepEqual(
          Object.values(again).map((d) => d.arn),
          Object.values(first).map((d) => d.arn),
        );
        assert.deepEqual(await listStreams(kinesis), [
          "admin-two-shards",
          "streaming-u1-geo",
          "streaming-u1-pin",
          "streaming-u1-user",
        ]);
      });
    } finally {
      await close();
    }
  },
});
