import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog } from "../../lib/catalog.ts";
import { ROOT, withTempDir } from "../_helpers.ts";
import { appendSilver, startDashboardProcess, USER_ID } from "./_fixtures.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli", "dashboard.ts"), ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno task dashboard --help says what it serves and its options", async () => {
  const { code, stdout } = await run(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: deno task dashboard \[options\]/);
  assert.match(stdout, /--port N +port to listen on \(env DASHBOARD_PORT, default 3000/);
  assert.match(stdout, /\/api\/progress, \/api\/tables and \/api\/analytics/);
});

Deno.test("deno task dashboard fails at start on a bad option, naming what is allowed", async () => {
  const unknown = await run(["--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--bogus'/);
  assert.match(unknown.stderr, /Allowed options: --port N, --lakehouse DIR, --checkpoints DIR/);
  const port = await run(["--port", "http"]);
  assert.equal(port.code, 2);
  assert.equal(
    port.stderr.trim(),
    'error: Invalid --port "http": expected a port number from 0 to 65535',
  );
  const env = await run([], { DASHBOARD_PORT: "99999" });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /Invalid DASHBOARD_PORT "99999"/);
});

Deno.test("deno task dashboard serves the configured lakehouse on 127.0.0.1 and stops on Ctrl-C", async () => {
  await withTempDir(async (root) => {
    const lakehouseDir = join(root, "lakehouse");
    await appendSilver(new Catalog({ lakehouseDir }), "pin", 0, 2);
    const dashboard = await startDashboardProcess(
      { LAKEHOUSE_DIR: lakehouseDir, CHECKPOINT_DIR: join(root, "checkpoints"), USER_ID },
      ["--port", "0"],
    );
    let stopped = false;
    try {
      assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const body = await (await fetch(new URL("/api/tables", dashboard.url))).json();
      assert.deepEqual(body.tables[0], {
        table: `${USER_ID}_pin_table`,
        version: 1,
        rows: 2,
        quarantined: 0,
      });
      const { code, output } = await dashboard.stop();
      stopped = true;
      assert.equal(code, 0, output);
      assert.match(output, /Dashboard stopped/);
    } finally {
      if (!stopped) await dashboard.stop();
    }
  });
});
