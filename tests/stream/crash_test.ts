import { join } from "node:path";
import { KINESIS_TEST } from "../_kinesis.ts";
import { withTempDir } from "../_helpers.ts";
import { killQueriesWhileRecordsArrive } from "./_crash.ts";

Deno.test({
  name:
    "queries killed with SIGKILL at random moments while records keep coming land every record exactly once",
  ...KINESIS_TEST,
  fn: () =>
    withTempDir((dir) =>
      killQueriesWhileRecordsArrive({
        lakehouseDir: join(dir, "lakehouse"),
        checkpointDir: join(dir, "checkpoints"),
      }, 12)
    ),
});
