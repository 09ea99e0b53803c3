import assert from "node:assert/strict";
import { retryKinesis } from "../../lib/kinesis/retry.ts";
import { StreamNotFoundError } from "../../lib/kinesis/errors.ts";

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

Deno.test("retryKinesis() retries throttling and InternalFailure until the call succeeds", async () => {
  const errors = [awsError("ProvisionedThroughputExceededException"), awsError("InternalFailure")];
  let calls = 0;
  const result = await retryKinesis(() => {
    calls++;
    const error = errors.shift();
    return error ? Promise.reject(error) : Promise.resolve(42);
  }, { baseMs: 1 });
  assert.equal(result, 42);
  assert.equal(calls, 3);
});

Deno.test("retryKinesis() throws any other error at once", async () => {
  let calls = 0;
  await assert.rejects(
    retryKinesis(() => {
      calls++;
      return Promise.reject(awsError("ValidationException"));
    }, { baseMs: 1 }),
    { name: "ValidationException" },
  );
  assert.equal(calls, 1);
});

Deno.test("retryKinesis() turns a missing stream into StreamNotFoundError", async () => {
  const error = await retryKinesis(
    () => Promise.reject(awsError("ResourceNotFoundException")),
    { streamName: "s1" },
  ).catch((e) => e);
  assert.ok(error instanceof StreamNotFoundError);
  assert.equal(error.streamName, "s1");
});

Deno.test("retryKinesis() gives up after maxAttempts with the last error", async () => {
  let calls = 0;
  await assert.rejects(
    retryKinesis(() => {
      calls++;
      return Promise.reject(awsError("ThrottlingException"));
    }, { baseMs: 1, maxAttempts: 3 }),
    { name: "ThrottlingException" },
  );
  assert.equal(calls, 3);
});

Deno.test("retryKinesis() resolves undefined when its signal aborts during a backoff", async () => {
  const stop = new AbortController();
  const result = retryKinesis(() => {
    stop.abort();
    return Promise.reject(awsError("ThrottlingException"));
  }, { baseMs: 60_000, signal: stop.signal });
  assert.equal(await result, undefined);
});
