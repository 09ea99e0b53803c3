import assert from "node:assert/strict";

Deno.test("the served API proxy writes nothing to stderr while it reads a request body", async () => {
  const app = new URL("../../lib/api/app.ts", import.meta.url).href;
  const client = new URL("../../lib/kinesis/client.ts", import.meta.url).href;
  const script = `
    import { serveApi } from "${app}";
    import { createKinesisClient } from "${client}";
    const kinesis = createKinesisClient({ endpoint: "http://127.0.0.1:9" });
    const api = serveApi(kinesis, { port: 0 });
    const res = await fetch(api.url + "/streams/s/record", { method: "PUT", body: "{}" });
    console.log(res.status);
    await res.body?.cancel();
    await api.shutdown();
    kinesis.destroy();
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "400");
});
