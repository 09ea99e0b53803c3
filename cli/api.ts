/**
 * `deno task api [--port 8080]`: the API proxy in front of Kinesis. Starts
 * the local emulator too unless KINESIS_ENDPOINT or --aws is given.
 *
 * @module
 */
import { loadConfig, parsePort } from "../lib/config.ts";
import { connectKinesis } from "./_local.ts";
import { ensureStreams } from "../lib/kinesis/admin.ts";
import { serveApi } from "../lib/api/app.ts";
import { onShutdownSignal, parseFlags, runMain } from "./_args.ts";

await runMain(async () => {
  const { flags } = parseFlags(
    Deno.args,
    {
      port: {
        type: "string",
        help: "port to listen on (env API_PORT, default 8080; 0 = any free port)",
      },
      hostname: { type: "string", help: "interface to bind (default 127.0.0.1)" },
      endpoint: { type: "string", help: "Kinesis endpoint (env KINESIS_ENDPOINT)" },
      aws: {
        type: "boolean",
        help: "use real AWS Kinesis (credentials from the SDK's default chain)",
      },
      "create-streams": {
        type: "boolean",
        help: "create the pin, geo and user streams if missing",
      },
      quiet: { type: "boolean", help: "no access log" },
    },
    "Usage: deno task api [options]\n\nServes the Kinesis proxy API (the course's API Gateway routes).",
  );
  const config = loadConfig({
    flags: {
      endpoint: flags.endpoint,
      aws: flags.aws,
    },
  });
  const port = parsePort("--port", flags.port, config.apiPort);
  const connection = await connectKinesis(config, { defaultPort: config.kinesisPort });
  const { kinesis, endpoint, emulator } = connection;
  try {
    if (flags["create-streams"] || emulator) {
      const streams = await ensureStreams(kinesis, config.userId);
      console.log(`Streams ready: ${Object.values(streams).map((s) => s.name).join(", ")}`);
    }
    const server = serveApi(kinesis, {
      port,
      hostname: flags.hostname ?? "127.0.0.1",
      apiKey: config.apiKey,
      onLog: flags.quiet ? undefined : (line) => console.log(line),
    });
    console.log(
      `API proxy listening on ${server.url} -> Kinesis ${endpoint ?? `AWS ${config.region}`}` +
        (config.apiKey ? " (x-api-key required)" : ""),
    );
    await new Promise<string>((resolve) => onShutdownSignal(resolve));
    await server.shutdown();
    console.log("API proxy stopped");
  } finally {
    await connection.close();
  }
});
