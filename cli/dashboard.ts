/**
 * `deno task dashboard [--port 3000]`: serves the live dashboard (streaming
 * queries' health, tables, quarantine and the gold answers) for the
 * configured LAKEHOUSE_DIR, CHECKPOINT_DIR and USER_ID, on 127.0.0.1.
 *
 * @module
 */
import { loadConfig, parsePort } from "../lib/config.ts";
import { startDashboard } from "../lib/dashboard/mod.ts";
import { onShutdownSignal, parseFlags, runMain } from "./_args.ts";

/** The port when neither --port nor DASHBOARD_PORT is given. */
const DEFAULT_PORT = 3000;

await runMain(async () => {
  const { flags } = parseFlags(
    Deno.args,
    {
      port: {
        type: "string",
        value: "N",
        help: `port to listen on (env DASHBOARD_PORT, default ${DEFAULT_PORT}; 0 = any free port)`,
      },
      lakehouse: { type: "string", value: "DIR", help: "lakehouse directory (env LAKEHOUSE_DIR)" },
      checkpoints: {
        type: "string",
        value: "DIR",
        help: "checkpoint directory (env CHECKPOINT_DIR)",
      },
      "user-id": { type: "string", value: "ID", help: "names the tables (env USER_ID)" },
    },
    "Usage: deno task dashboard [options]\n\n" +
      "Serves the live dashboard on 127.0.0.1: streaming progress, tables, quarantine and\n" +
      "the gold answers, with JSON at /api/progress, /api/tables and /api/analytics.",
  );
  const config = loadConfig({
    flags: {
      lakehouse: flags.lakehouse,
      checkpoints: flags.checkpoints,
      userId: flags["user-id"],
    },
  });
  const port = flags.port !== undefined
    ? parsePort("--port", flags.port, DEFAULT_PORT)
    : parsePort("DASHBOARD_PORT", Deno.env.get("DASHBOARD_PORT") || undefined, DEFAULT_PORT);
  const dashboard = startDashboard({
    lakehouseDir: config.lakehouseDir,
    checkpointDir: config.checkpointDir,
    userId: config.userId,
    port,
    hostname: "127.0.0.1",
  });
  console.log(
    `Dashboard at ${dashboard.url} (tables in ${config.lakehouseDir}, checkpoints in ${config.checkpointDir}); Ctrl-C stops it`,
  );
  await new Promise<string>((resolve) => onShutdownSignal(resolve));
  await dashboard.close();
  console.log("Dashboard stopped");
});
