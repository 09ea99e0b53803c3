/**
 * The Delta sink of a streaming query: one commit per micro-batch carrying
 * `txn{appId: queryId, version: batchId}`, so a batch re-run after a crash
 * is skipped when the table already has it (exactly-once).
 *
 * @module
 */
import type pl from "nodejs-polars";
import { DeltaTable } from "../delta/mod.ts";

/** Options of {@linkcode DeltaSink}. */
export interface DeltaSinkOptions {
  /** The table's schema, to create it before the first batch (default: the first batch's). */
  schema?: Record<string, pl.DataType>;
  /** Table name recorded in the metadata when the sink creates the table (default none). */
  name?: string;
}

/** What one {@linkcode DeltaSink.addBatch} did. */
export interface SinkResult {
  /** The table version after the batch (the version committed, or the current one when skipped). */
  version: number;
  /** True when the table already had this batch for this query. */
  skipped: boolean;
  /** Rows written (0 when skipped). */
  rows: number;
}

/** Appends micro-batches to a Delta table, exactly once per (query id, batch id). */
export class DeltaSink {
  /** The table directory. */
  readonly path: string;
  readonly #schema: Record<string, pl.DataType> | undefined;
  readonly #name: string | undefined;
  #table: DeltaTable | undefined;
  /** The auto-compaction started after the last batch, which the next batch waits for. */
  #compaction: Promise<void> = Promise.resolve();

  /** A sink writing to the table at `path` (created when missing). */
  constructor(path: string, options: DeltaSinkOptions = {}) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError("Cannot make a Delta sink: path must be a non-empty string");
    }
    this.path = path;
    this.#schema = options.schema;
    this.#name = options.name;
  }

  /** Spark's sink description. */
  get description(): string {
    return `DeltaSink[${this.path}]`;
  }

  /** Opens the table, creating it with the configured schema when it is missing. */
  async open(schema?: Record<string, pl.DataType>): Promise<DeltaTable> {
    if (this.#table) return this.#table;
    const wanted = this.#schema ?? schema;
    if (wanted) {
      this.#table = await DeltaTable.createIfNotExists(this.path, wanted, {
        ...(this.#name ? { name: this.#name } : {}),
        // One small file per micro-batch adds up: streaming tables compact
        // them as Databricks' auto-compaction does (set it to false to stop).
        configuration: { "delta.autoOptimize.autoCompact": "true" },
      });
    } else {
      this.#table = await DeltaTable.open(this.path);
    }
    return this.#table;
  }

  /** The table version now, or -1 when the table does not exist yet. */
  async version(): Promise<number> {
    if (!this.#table && !(await DeltaTable.exists(this.path))) return -1;
    const table = await this.open();
    return await table.refresh();
  }

  /**
   * Appends `df` as batch `batchId` of query `queryId`; skipped when the
   * table already holds that query's batch `batchId` or a later one.
   */
  async addBatch(queryId: string, batchId: number, df: pl.DataFrame): Promise<SinkResult> {
    await this.#compaction;
    const table = await this.open(df.schema);
    const result = await table.append(df, {
      txn: { appId: queryId, version: batchId },
      operation: "STREAMING UPDATE",
      operationParameters: { outputMode: "Append", queryId, epochId: batchId },
      autoCompact: false,
    });
    // Compaction runs after the batch's commit, between triggers, so it
    // never delays the batch; the next batch waits for it (one writer per
    // table object), and an OPTIMIZE never conflicts with an append.
    if (!result.skipped) {
      this.#compaction = table.compactIfDue().catch((error) => {
        console.warn(`pinstream: could not auto-compact ${this.path}: ${error}`);
      });
    }
    return { version: result.version, skipped: result.skipped, rows: result.rows };
  }

  /**
   * Replaces the table's rows by `df` as batch `batchId` of query `queryId`
   * (Spark's complete output mode); skipped like {@linkcode addBatch}.
   */
  async completeBatch(queryId: string, batchId: number, df: pl.DataFrame): Promise<SinkResult> {
    const table = await this.open(df.schema);
    const result = await table.overwrite(df, { txn: { appId: queryId, version: batchId } });
    return { version: result.version, skipped: result.skipped, rows: result.rows };
  }

  /** Waits for an auto-compaction still running after the last batch. */
  close(): Promise<void> {
    return this.#compaction;
  }
}
