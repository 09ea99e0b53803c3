import assert from "node:assert/strict";
import { ConfigError, loadConfig, streamNames, tableName } from "../lib/config.ts";

Deno.test("loadConfig() gives the documented defaults for an empty environment", () => {
  assert.deepEqual(loadConfig({ env: {} }), {
    userId: "12c0d092d679",
    region: "us-east-1",
    kinesisEndpoint: undefined,
    aws: false,
    apiUrl: undefined,
    lakehouseDir: "./lakehouse",
    checkpointDir: "./checkpoints",
    kinesisDataDir: "./kinesis-data",
    kinesisPort: 4568,
    apiPort: 8080,
    apiKey: undefined,
  });
});

Deno.test("loadConfig() reads the environment and flags override it", () => {
  const env = {
    USER_ID: "abc",
    AWS_REGION: "eu-west-2",
    KINESIS_ENDPOINT: "http://localhost:4567/",
    API_URL: "https://x.execute-api.eu-west-2.amazonaws.com/prod/",
    LAKEHOUSE_DIR: "/tmp/l",
    CHECKPOINT_DIR: "/tmp/c",
    KINESIS_DATA_DIR: "/tmp/k",
    KINESIS_PORT: "1234",
    API_PORT: "0",
    API_KEY: "secret",
  };
  const c = loadConfig({ env, flags: { userId: "def", apiPort: 9000 } });
  assert.equal(c.userId, "def");
  assert.equal(c.region, "eu-west-2");
  assert.equal(c.kinesisEndpoint, "http://localhost:4567");
  assert.equal(c.apiUrl, "https://x.execute-api.eu-west-2.amazonaws.com/prod");
  assert.equal(c.kinesisDataDir, "/tmp/k");
  assert.equal(c.kinesisPort, 1234);
  assert.equal(c.apiPort, 9000);
  assert.equal(c.apiKey, "secret");
});

const bad: [Record<string, string>, string][] = [
  [
    { USER_ID: "../x" },
    'Invalid USER_ID "../x": expected 1 to 64 letters or digits, like 12c0d092d679',
  ],
  [
    { AWS_REGION: "mars" },
    'Invalid AWS_REGION "mars": expected an AWS region name such as us-east-1',
  ],
  [
    { KINESIS_ENDPOINT: "localhost:4568" },
    'Invalid KINESIS_ENDPOINT "localhost:4568": expected an http:// or https:// URL',
  ],
  [{ API_URL: "not a url" }, 'Invalid API_URL "not a url": expected an http:// or https:// URL'],
  [
    { KINESIS_PORT: "70000" },
    'Invalid KINESIS_PORT "70000": expected a port number from 0 to 65535',
  ],
  [{ API_PORT: "80a" }, 'Invalid API_PORT "80a": expected a port number from 0 to 65535'],
];
for (const [env, message] of bad) {
  Deno.test(`loadConfig() refuses ${Object.keys(env)[0]}=${Object.values(env)[0]} naming the variable, the value and what is allowed`, () => {
    assert.throws(() => loadConfig({ env }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, message);
      assert.equal(e.variable, Object.keys(env)[0]);
      return true;
    });
  });
}

Deno.test("loadConfig() refuses --aws together with KINESIS_ENDPOINT", () => {
  assert.throws(
    () => loadConfig({ env: { KINESIS_ENDPOINT: "http://127.0.0.1:1" }, flags: { aws: true } }),
    ConfigError,
  );
});

Deno.test("names follow the course: streaming-<id>-<kind> and <id>_<kind>_table", () => {
  assert.deepEqual(streamNames("12c0d092d679"), {
    pin: "streaming-12c0d092d679-pin",
    geo: "streaming-12c0d092d679-geo",
    user: "streaming-12c0d092d679-user",
  });
  assert.equal(tableName("12c0d092d679", "geo"), "12c0d092d679_geo_table");
});
