/**
 * Reads the lakehouse for the dashboard with the project's Delta API: row
 * counts, the newest quarantined records and the gold answers' rows. Each
 * table is opened once and then only refreshed (new commits are read), and
 * what was computed from it is kept until its version changes, so polling
 * a table that has not changed reads one directory listing.
 *
 * @module
 */
import { Catalog } from "../catalog.ts";
import { type ChartRow, jsonRow } from "../analytics/charts.ts";
import { DeltaTable } from "../delta/mod.ts";

/** A table's row count at a version. */
export interface TableCount {
  /** The table's version, or null when it does not exist (yet). */
  version: number | null;
  /** Rows at that version (0 when the table does not exist). */
  rows: number;
}

/** A table's rows at a version. */
export interface TableRows {
  /** The table's version, or null when it does not exist (yet). */
  version: number | null;
  /** The rows as JSON values (none when the table does not exist). */
  rows: ChartRow[];
}

interface Entry {
  table: DeltaTable | null;
  /** Serializes the work on one table between concurrent requests. */
  busy: Promise<unknown>;
  count?: TableCount;
  rows?: TableRows;
  tail?: { version: number; limit: number; rows: ChartRow[] };
}

/**
 * Cached reads of the tables of a lakehouse, by name (`<table>` in the
 * database `default`, or `<database>.<table>`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TableReader } from "./tables.ts";
 * const dir = await Deno.makeTempDir();
 * const reader = new TableReader(dir);
 * assert.equal((await reader.count("missing")).version, null);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class TableReader {
  /** The catalog the names are looked up in. */
  readonly catalog: Catalog;
  #entries = new Map<string, Entry>();

  /** Makes a reader of the tables under `lakehouseDir`. */
  constructor(lakehouseDir: string) {
    this.catalog = new Catalog({ lakehouseDir });
  }

  /** Qualified names of the tables in database `default`, sorted. */
  list(): Promise<string[]> {
    return this.catalog.list();
  }

  /** Version and row count of table `name` (row counts from the log's file stats). */
  count(name: string): Promise<TableCount> {
    return this.#with(name, async (entry, table) => {
      if (!table) return { version: null, rows: 0 };
      if (entry.count?.version !== table.version) {
        const { version, rows } = await table.describe();
        entry.count = { version, rows };
      }
      return entry.count;
    });
  }

  /** All rows of table `name` (for the small gold tables). */
  rows(name: string): Promise<TableRows> {
    return this.#with(name, async (entry, table) => {
      if (!table) return { version: null, rows: [] };
      if (entry.rows?.version !== table.version) {
        const df = await table.read({ version: table.version });
        entry.rows = { version: table.version, rows: df.toRecords().map(jsonRow) };
      }
      return entry.rows;
    });
  }

  /** The newest `limit` rows of table `name`, newest first ([] when it does not exist). */
  newest(name: string, limit: number): Promise<ChartRow[]> {
    return this.#with(name, async (entry, table) => {
      if (!table) return [];
      if (entry.tail?.version !== table.version || entry.tail.limit !== limit) {
        const df = await table.tail(limit);
        entry.tail = { version: table.version, limit, rows: df.toRecords().map(jsonRow) };
      }
      return entry.tail.rows;
    });
  }

  /** Runs `fn` on the refreshed table `name` (null when it does not exist), one at a time per table. */
  #with<T>(name: string, fn: (entry: Entry, table: DeltaTable | null) => Promise<T>): Promise<T> {
    const path = this.catalog.tablePath(name);
    let entry = this.#entries.get(path);
    if (!entry) {
      entry = { table: null, busy: Promise.resolve() };
      this.#entries.set(path, entry);
    }
    const current = entry;
    const run = current.busy.catch(() => {}).then(async () => {
      if (!current.table) {
        if (!await DeltaTable.exists(path)) return await fn(current, null);
        current.table = await DeltaTable.open(path);
      } else if (!await DeltaTable.exists(path)) {
        // Dropped since: forget it, and what was computed from it.
        this.#entries.delete(path);
        return await fn({ table: null, busy: Promise.resolve() }, null);
      } else {
        await current.table.refresh();
      }
      return await fn(current, current.table);
    });
    current.busy = run;
    return run;
  }
}
