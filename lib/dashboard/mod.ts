/**
 * The live dashboard: a page of the streaming queries' health, the Delta
 * tables' row and quarantine counts, and the nine gold answers as charts,
 * with the JSON it polls (`/api/progress`, `/api/tables`, `/api/analytics`).
 *
 * - {@linkcode createDashboardApp}: the Hono app (tests call `app.request()`)
 * - {@linkcode startDashboard}: serve it on 127.0.0.1
 * - {@linkcode ProgressReader}, {@linkcode TableReader}: the cached readers behind it
 *
 * @example
 * ```ts ignore
 * import { startDashboard } from "./mod.ts";
 * const dashboard = startDashboard({
 *   lakehouseDir: "./lakehouse",
 *   checkpointDir: "./checkpoints",
 *   userId: "12c0d092d679",
 *   port: 3000,
 * });
 * console.log(`Dashboard at ${dashboard.url}`);
 * ```
 *
 * @module
 */
export {
  type AnalyticsBody,
  type AnswerBody,
  createDashboardApp,
  type DashboardDeps,
  type DashboardServer,
  type ProgressBody,
  type QuarantineRow,
  type QueryProgressBody,
  startDashboard,
  type StartDashboardOptions,
  type TablesBody,
  type TableStatus,
} from "./app.ts";
export {
  ProgressReader,
  type ProgressReaderOptions,
  type QueryProgressSummary,
} from "./progress.ts";
export { type TableCount, TableReader, type TableRows } from "./tables.ts";
