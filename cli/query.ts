/**
 * `deno task query`: runs the three streaming queries (pin, geo, user) alone,
 * against any Kinesis: `KINESIS_ENDPOINT`, real AWS with `--aws`, or, when
 * neither is given, a local emulator it starts (with the three streams).
 * Prints one progress line per batch; Ctrl-C stops cleanly (the batch in
 * progress commits) and exits 0.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { loadConfig, streamName } from "../lib/config.ts";
import { ensureStreams } from "../lib/kinesis/admin.ts";
import { StreamNotFoundError } from "../lib/kinesis/errors.ts";
import { RECORD_KINDS } from "../lib/records.ts";
import {
  formatProgress,
  queryName,
  resetCheckpoint,
  startPipeline,
  type Trigger,
} from "../lib/stream/mod.ts";
import { durationFlag, onShutdownSignal, parseFlags, runMain, UsageError } from "./_args.ts";
import { connectKinesis } from "./_local.ts";

await runMain(async () => {
  const { flags } = parseFlags(
    Deno.args,
    {
      trigger: {
        type: "string",
        help: "processing-time interval such as 1s or 250ms (default 1s), or available-now",
      },
      "initial-position": {
        type: "string",
        help: "where a new checkpoint starts: earliest (default) or latest",
      },
      "reset-checkpoint": {
        type: "boolean",
        help: "discard the three queries' checkpoints first (says what it discards)",
      },
      "min-fetch-period": {
        type: "string",
        help: "least time between GetRecords calls per shard (default 400ms)",
      },
      endpoint: { type: "string", help: "Kinesis endpoint (env KINESIS_ENDPOINT)" },
      aws: { type: "boolean", help: "use real AWS Kinesis (credentials from the SDK's chain)" },
      "user-id": { type: "string", help: "names the streams and tables (env USER_ID)" },
      lakehouse: {
        type: "string",
        help: "tables directory (env LAKEHOUSE_DIR, default ./lakehouse)",
      },
      checkpoints: {
        type: "string",
        help: "checkpoints directory (env CHECKPOINT_DIR, default ./checkpoints)",
      },
      quiet: { type: "boolean", help: "print no progress lines" },
    },
    "Usage: deno task query [options]\n\n" +
      "Runs the pin, geo and user streaming queries: Kinesis streams -> parse -> clean -> Delta tables.\n" +
      "Uses KINESIS_ENDPOINT or --aws; with neither, starts a local emulator.",
  );
  const config = loadConfig({
    flags: {
      endpoint: flags.endpoint,
      aws: flags.aws,
      userId: flags["user-id"],
      lakehouse: flags.lakehouse,
      checkpoints: flags.checkpoints,
    },
  });
  let trigger: Trigger = { processingTime: 1_000 };
  const triggerFlag = flags.trigger;
  if (triggerFlag === "available-now" || triggerFlag === "availableNow") {
    trigger = { availableNow: true };
  } else if (triggerFlag !== undefined) {
    trigger = { processingTime: durationFlag("trigger", triggerFlag)! };
  }
  const initialPosition = flags["initial-position"] ?? "earliest";
  if (initialPosition !== "earliest" && initialPosition !== "latest") {
    throw new UsageError(
      `Invalid --initial-position "${initialPosition}": expected earliest or latest`,
    );
  }
  const minFetchPeriod = durationFlag("min-fetch-period", flags["min-fetch-period"]);
  const quiet = flags.quiet === true;

  if (flags["reset-checkpoint"]) {
    for (const kind of RECORD_KINDS) {
      const dir = join(config.checkpointDir, queryName(config.userId, kind));
      console.log((await resetCheckpoint(dir)).message);
    }
  }

  const connection = await connectKinesis(config, {
    maxAttempts: 5,
    log: (line) => console.log(`${line}, streams live only while this runs`),
  });
  const { kinesis, endpoint, emulator } = connection;
  try {
    if (emulator) await ensureStreams(kinesis, config.userId);
    let pipeline;
    try {
      pipeline = await startPipeline({
        userId: config.userId,
        kinesis,
        lakehouseDir: config.lakehouseDir,
        checkpointDir: config.checkpointDir,
        trigger,
        initialPosition,
        minFetchPeriod,
        onProgress: (_kind, progress) => {
          if (!quiet) console.log(formatProgress(progress));
        },
      });
    } catch (error) {
      if (error instanceof StreamNotFoundError) {
        throw new Error(
          `Cannot start the queries: stream "${error.streamName}" does not exist at ${
            endpoint ?? "AWS"
          } (the queries read ${
            RECORD_KINDS.map((k) => streamName(config.userId, k)).join(", ")
          }; deno task stream or the API creates them)`,
        );
      }
      throw error;
    }
    console.log(
      `Running ${RECORD_KINDS.length} queries (${
        "availableNow" in trigger ? "available-now" : `every ${trigger.processingTime} ms`
      }) into ${resolve(config.lakehouseDir)}, checkpoints in ${
        resolve(config.checkpointDir)
      }; Ctrl-C stops`,
    );
    let signal: string | undefined;
    const removeListeners = onShutdownSignal((s) => {
      signal = s;
      console.log(`${s}: finishing the current batches`);
      pipeline.stop();
    });
    try {
      await pipeline.awaitTermination();
    } finally {
      removeListeners();
    }
    for (const [kind, query] of Object.entries(pipeline.queries)) {
      const last = query.lastProgress;
      console.log(
        `${kind}: ${query.recentProgress.length} batches this run` +
          (last ? `, table version ${last.sink.version}` : ""),
      );
    }
    console.log(signal ? `Stopped (${signal})` : "Done");
  } finally {
    await connection.close();
  }
});
