/**
 * pinstream: a real-time data pipeline you can run on a laptop. Pinterest
 * style posts flow through an HTTP API into Kinesis streams, are read back as
 * micro-batch streaming queries, cleaned with Polars and appended to Delta
 * Lake tables.
 *
 * This module is the library's public API; the notebooks and the `deno task`
 * commands import from it.
 *
 * @example
 * ```ts ignore
 * import { createKinesisClient, ensureStreams, startEmulator } from "./lib/mod.ts";
 * await using kinesisLocal = await startEmulator();
 * const kinesis = createKinesisClient({ endpoint: kinesisLocal.endpoint });
 * await ensureStreams(kinesis, "12c0d092d679");
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./records.ts";
export * from "./kinesis/mod.ts";
export * from "./api/mod.ts";
export * from "./data/mod.ts";
export * from "./clean/mod.ts";
export * from "./delta/mod.ts";
export * from "./catalog.ts";
export * from "./jupyter.ts";
export * from "./batch.ts";
export * from "./emit/mod.ts";
export * from "./stream/mod.ts";
export * from "./notebook.ts";
export * from "./analytics/mod.ts";
export * from "./dashboard/mod.ts";
