/**
 * The whole pipeline on S3: `deno task stream` (its own process: a Kinesis
 * emulator, the API, the emitter, the three queries, the gold query and the
 * dashboard) with LAKEHOUSE_DIR and CHECKPOINT_DIR in a real local S3
 * (moto). Nothing is written to the working directory but the local
 * Kinesis data.
 */
import assert from "node:assert/strict";
import { openStorage } from "../../lib/delta/mod.ts";
import { QueryCheckpoint, queryName } from "../../lib/stream/mod.ts";
import { RECORD_KINDS } from "../../lib/records.ts";
import { goldQueryName } from "../../lib/stream/gold_query.ts";
import { withTempDir } from "../_helpers.ts";
import { assertGoldMatchesSilver, assertTablesHold, runStream, STREAM_USER } from "../_pipeline.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";

const COUNT = 200;

Deno.test({
  name:
    "deno task stream --count 200 on s3:// locations commits exactly 200 rows per table to the bucket, and gold tables equal to the batch answers",
  ignore: skipWithoutMoto("the pipeline on S3"),
  ...S3_TEST,
  async fn() {
    await withLocalS3((s3) =>
      withTempDir(async (dir) => {
        const lakehouse = s3.url("lakehouse");
        const checkpoints = s3.url("checkpoints");
        const stdout = await runStream(dir, [
          "--count",
          String(COUNT),
          "--rate",
          "150",
          "--batch",
          "25",
          "--trigger",
          "250ms",
          "--seed",
          "11",
        ], {
          ...s3.env,
          LAKEHOUSE_DIR: lakehouse,
          CHECKPOINT_DIR: checkpoints,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
        });
        assert.match(
          stdout,
          new RegExp(
            `Summary:\\n {2}${STREAM_USER}_pin_table: version \\d+, 200 rows in \\d+ files; this run posted 200, committed 200, quarantined 0`,
          ),
        );
        // The tables and checkpoints are in the bucket, not on disk.
        const local = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
        assert.deepEqual(local, ["kinesis-data"]);
        await assertTablesHold(lakehouse, [11], COUNT);
        await assertGoldMatchesSilver(lakehouse);
        for (const kind of RECORD_KINDS) {
          const checkpoint = new QueryCheckpoint(`${checkpoints}/${queryName(STREAM_USER, kind)}`);
          assert.ok(await checkpoint.latestCommittedBatch() >= 0, kind);
        }
        const gold = openStorage(`${checkpoints}/${goldQueryName(STREAM_USER)}`);
        assert.ok((await gold.list("commits/")).length > 0, "the gold query committed");
      })
    );
  },
});
