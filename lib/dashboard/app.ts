/**
 * The live dashboard: one page (the Structured Streaming tab of the Spark
 * UI, the Delta tables' row counts and quarantine, and the nine gold
 * answers as charts) and the JSON it polls.
 *
 * - `GET /`: the page
 * - `GET /api/progress[?limit=N]`: per query, its newest batches' health
 *   numbers and their timeline charts
 * - `GET /api/tables`: `{table, version, rows, quarantined}` per table, and
 *   the newest quarantined records with their reasons
 * - `GET /api/analytics`: the nine gold tables' rows and chart specs
 * - `GET /assets/<file>`: the page's script and style, and vega, vega-lite
 *   and vega-embed from their npm packages
 *
 * {@linkcode createDashboardApp} builds the Hono app (tests call
 * `app.request()`); {@linkcode startDashboard} serves it on a port.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import {
  chartSpec,
  HEALTH_METRICS,
  healthChartSpec,
  type VegaLiteSpec,
} from "../analytics/charts.ts";
import { GOLD_NAMES, type GoldName } from "../analytics/tables.ts";
import { RECORD_KINDS } from "../records.ts";
import { tableName } from "../config.ts";
import { ProgressReader, type QueryProgressSummary } from "./progress.ts";
import { TableReader } from "./tables.ts";
import { readAsset, readPage } from "./_assets.ts";

/** What the dashboard reads. */
export interface DashboardDeps {
  /** The lakehouse directory (tables at `<lakehouseDir>/default/<table>/`). */
  lakehouseDir: string;
  /** The checkpoint directory (one query's checkpoint per child directory). */
  checkpointDir: string;
  /** Names the tables: `<userId>_{pin,geo,user}_table`, gold `<userId>_<answer>`. */
  userId: string;
  /**
   * How many quarantined records `/api/tables` shows per table. Default 5.
   *
   * @default {5}
   */
  quarantineReasons?: number;
}

/** A table's line in `/api/tables`. */
export interface TableStatus {
  /** The table's name in database `default`. */
  table: string;
  /** Its version, or null when it does not exist yet. */
  version: number | null;
  /** Its rows (0 when it does not exist). */
  rows: number;
  /** Rows of its quarantine table `<table>_quarantine` (0 when there is none). */
  quarantined: number;
}

/** A row of a quarantine table as `/api/tables` shows it, newest first. */
export interface QuarantineRow {
  /** The table the record was meant for. */
  table: string;
  /** Where it failed: `parse`, `validate` or `transform`. */
  stage: string;
  /** Why. */
  reason: string;
  shardId: string;
  sequenceNumber: string;
  /** When Kinesis received it (ISO 8601). */
  arrivedAt: string | null;
  /** The raw record, cut at 200 characters. */
  data: string;
}

/** The body of `/api/tables`. */
export interface TablesBody {
  tables: TableStatus[];
  quarantine: QuarantineRow[];
}

/** A query in `/api/progress`: its progress summary and its charts. */
export interface QueryProgressBody extends QueryProgressSummary {
  /** One timeline per health metric. */
  charts: Record<string, VegaLiteSpec>;
}

/** The body of `/api/progress`. */
export interface ProgressBody {
  queries: QueryProgressBody[];
}

/** A gold answer in `/api/analytics`. */
export interface AnswerBody {
  name: GoldName;
  /** The gold table, `<userId>_<name>`. */
  table: string;
  /** Its version, or null when it does not exist yet. */
  version: number | null;
  rows: Record<string, unknown>[];
  spec: VegaLiteSpec;
}

/** The body of `/api/analytics`. */
export interface AnalyticsBody {
  answers: AnswerBody[];
}

/** Five health timelines side by side on a laptop screen. */
const HEALTH_SIZE = { width: 230 } as const;

const ProgressQuery = z.object({
  limit: z.coerce.number({ error: "must be a number" }).int("must be an integer").min(
    1,
    "must be at least 1",
  ).max(1000, "must be at most 1000").default(60),
});

/**
 * Builds the dashboard's Hono app over a lakehouse and checkpoint directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDashboardApp } from "./app.ts";
 * const dir = await Deno.makeTempDir();
 * const app = createDashboardApp({ lakehouseDir: dir, checkpointDir: dir, userId: "u1" });
 * const res = await app.request("/api/progress");
 * assert.deepEqual((await res.json()).queries, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createDashboardApp(deps: DashboardDeps): Hono {
  const { lakehouseDir, checkpointDir, userId, quarantineReasons = 5 } = deps;
  if (typeof userId !== "string" || !/^[A-Za-z0-9]+$/.test(userId)) {
    throw new TypeError(
      `Cannot serve a dashboard for user id "${userId}": expected letters or digits`,
    );
  }
  const progress = new ProgressReader(checkpointDir);
  const tables = new TableReader(lakehouseDir);
  const silver = RECORD_KINDS.map((kind) => tableName(userId, kind));
  const app = new Hono();

  app.get("/", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.html(await readPage());
  });

  app.get("/api/progress", async (c) => {
    const parsed = ProgressQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HTTPException(400, {
        message: `Invalid query parameter ${issue?.path.join(".")}: ${issue?.message}`,
      });
    }
    const queries = await progress.read(parsed.data.limit);
    const body: ProgressBody = {
      queries: queries.map((q) => ({
        ...q,
        charts: Object.fromEntries(
          HEALTH_METRICS.map((metric) => [metric, healthChartSpec(metric, q.recent, HEALTH_SIZE)]),
        ),
      })),
    };
    return c.json(body);
  });

  app.get("/api/tables", async (c) => {
    const prefix = `${userId}_`;
    const others = (await tables.list())
      .map((qualified) => qualified.slice(qualified.indexOf(".") + 1))
      .filter((t) => t.startsWith(prefix) && !t.endsWith("_quarantine") && !silver.includes(t));
    const body: TablesBody = { tables: [], quarantine: [] };
    for (const table of [...silver, ...others]) {
      const [count, quarantine] = await Promise.all([
        tables.count(table),
        tables.count(`${table}_quarantine`),
      ]);
      body.tables.push({
        table,
        version: count.version,
        rows: count.rows,
        quarantined: quarantine.rows,
      });
      if (quarantine.rows > 0) {
        const newest = await tables.newest(`${table}_quarantine`, quarantineReasons);
        body.quarantine.push(...newest.map((row) => quarantined(table, row)));
      }
    }
    body.quarantine.sort((a, b) => (b.arrivedAt ?? "").localeCompare(a.arrivedAt ?? ""));
    return c.json(body);
  });

  app.get("/api/analytics", async (c) => {
    const answers = await Promise.all(GOLD_NAMES.map(async (name) => {
      const table = `${userId}_${name}`;
      const { version, rows } = await tables.rows(table);
      return { name, table, version, rows, spec: chartSpec(name, rows) };
    }));
    return c.json({ answers } satisfies AnalyticsBody);
  });

  app.get("/assets/:file", async (c) => {
    const asset = await readAsset(c.req.param("file"));
    if (!asset) throw new HTTPException(404, { message: `No asset ${c.req.param("file")}` });
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": asset.contentType,
      "Cache-Control": "public, max-age=3600",
    });
  });

  app.notFound((c) => c.json({ message: `No route for ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ message: error.message || "Request failed" }, error.status);
    }
    console.error(`Dashboard: unexpected error on ${c.req.method} ${c.req.path}:`, error);
    return c.json({ message: "Internal error in the dashboard" }, 500);
  });
  return app;
}

function quarantined(table: string, row: Record<string, unknown>): QuarantineRow {
  const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  const data = text(row.data);
  return {
    table,
    stage: text(row.stage),
    reason: text(row.reason),
    shardId: text(row.shardId),
    sequenceNumber: text(row.sequenceNumber),
    arrivedAt: typeof row.approximateArrivalTimestamp === "string"
      ? row.approximateArrivalTimestamp
      : null,
    data: data.length > 200 ? `${data.slice(0, 200)}…` : data,
  };
}

/** Options of {@linkcode startDashboard}. */
export interface StartDashboardOptions extends DashboardDeps {
  /**
   * Port to listen on; 0 picks a free one. Default 0.
   *
   * @default {0}
   */
  port?: number;
  /**
   * Interface to bind. Default `127.0.0.1`.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
}

/** A running dashboard. */
export interface DashboardServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting requests and waits for in-flight ones. */
  close(): Promise<void>;
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves the dashboard on a port (default: a free one on 127.0.0.1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startDashboard } from "./app.ts";
 * const dir = await Deno.makeTempDir();
 * await using dashboard = startDashboard({ lakehouseDir: dir, checkpointDir: dir, userId: "u1" });
 * const res = await fetch(new URL("/api/tables", dashboard.url));
 * assert.equal(res.status, 200);
 * await res.body?.cancel();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startDashboard(options: StartDashboardOptions): DashboardServer {
  const { port = 0, hostname = "127.0.0.1", ...deps } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot listen on port ${port}: expected an integer from 0 to 65535`);
  }
  const app = createDashboardApp(deps);
  const server = Deno.serve({ port, hostname, onListen: () => {} }, app.fetch);
  const bound = (server.addr as Deno.NetAddr).port;
  const close = () => server.shutdown();
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${bound}/`,
    port: bound,
    close,
    [Symbol.asyncDispose]: close,
  };
}
