/**
 * The source data: a seeded generator of the course's three tables, and
 * reading and writing a source directory (`pin.ndjson`, `geo.ndjson`,
 * `user.ndjson`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTables } from "./mod.ts";
 * const tables = generateTables({ rows: 50, seed: 7 });
 * assert.equal(tables.pin.length, 50);
 * ```
 *
 * @module
 */
export {
  formatRecordLine,
  type GenerateOptions,
  generateTables,
  loadSourceTables,
  readSource,
  type SourceTables,
  writeSource,
  type WrittenFile,
} from "./generate.ts";
export { mulberry32 } from "./_random.ts";
export { SourceDataError } from "./errors.ts";
