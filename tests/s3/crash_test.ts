/**
 * The crash test on S3: the query process killed with SIGKILL at random
 * while records arrive, its tables and checkpoints in a real local S3
 * (moto); every record still lands exactly once.
 */
import { KINESIS_TEST } from "../_kinesis.ts";
import { skipWithoutMoto, withLocalS3 } from "../_s3.ts";
import { killQueriesWhileRecordsArrive } from "../stream/_crash.ts";

Deno.test({
  name:
    "queries on s3:// locations killed with SIGKILL five times at random while records keep coming land every record exactly once",
  ignore: skipWithoutMoto("the crash test on S3"),
  ...KINESIS_TEST,
  fn: () =>
    withLocalS3((s3) =>
      killQueriesWhileRecordsArrive({
        lakehouseDir: s3.url("lakehouse"),
        checkpointDir: s3.url("checkpoints"),
        env: { ...s3.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      }, 5)
    ),
});
