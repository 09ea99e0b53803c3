/**
 * The live gold query: a streaming query over the three silver tables
 * (`<userId>_pin_table`, `_geo_table`, `_user_table`) that recomputes the
 * gold tables (`<userId>_<name>`) whenever a silver table has a new
 * version, like a Spark query with complete output mode and
 * `foreachBatch` writing several tables.
 *
 * Each trigger (default every 10 s) looks at the silver tables' latest
 * versions. When any has new data since the last batch (commits that
 * change no data, such as OPTIMIZE or an empty batch, do not count), the
 * versions are written to `offsets/<batchId>`, each silver table is read AT its
 * recorded version (time travel: a re-run reads the same rows), `compute`
 * turns them into the gold frames, each gold table is overwritten in a
 * commit carrying `txn{appId: query id, version: batchId}`, then
 * `commits/<batchId>` is written. A restart re-runs an uncommitted batch
 * on the same versions, and gold tables that already have it skip it: after
 * any batch, every gold table is `compute` over the silver versions in that
 * batch's progress (`silverVersions`). A restart with no new silver version
 * computes nothing.
 *
 * @module
 */
import type pl from "nodejs-polars";
import { Catalog } from "../catalog.ts";
import { DEFAULT_USER_ID, tableName } from "../config.ts";
import { computeGold } from "../analytics/mod.ts";
import { DeltaTable } from "../delta/mod.ts";
import { joinLocation, resolveLocation } from "../delta/storage/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../records.ts";
import { MicroBatchQuery } from "./_micro_batch.ts";
import { idleProgress, rowsPerSecond, type StreamingQueryProgress } from "./progress.ts";
import { CheckpointMismatchError } from "./errors.ts";
import type { Trigger } from "./query.ts";
import { DeltaSink } from "./sink.ts";

/** The silver tables' rows, as `compute` receives them. */
export type SilverDataFrames = Record<RecordKind, pl.DataFrame>;

/**
 * Computes the gold frames from the silver tables: one frame per gold
 * table, keyed by its name without the user id (e.g. `category_by_country`).
 */
export type GoldCompute = (
  silver: SilverDataFrames,
) => Record<string, pl.DataFrame> | Promise<Record<string, pl.DataFrame>>;

/** Which version of a silver table a batch read. */
export interface SilverVersion {
  /** The silver table's id (its `metaData.id`). */
  reservoirId: string;
  /** The version read. */
  version: number;
}

/** The offsets of a gold batch: the version of each silver table it read. */
export type GoldOffset = Record<RecordKind, SilverVersion>;

/** What a batch wrote to one gold table. */
export interface GoldTableProgress {
  /** The gold table's directory. */
  path: string;
  /** Its version after the batch. */
  version: number;
  /** Rows written (0 when skipped). */
  rows: number;
  /** True when the table already had this batch (a re-run after a crash). */
  skipped: boolean;
}

/**
 * The progress of a gold batch. `sources` has one entry per silver table
 * (its `numInputRows` is the rows of the version read: the gold tables are
 * recomputed from whole silver tables); `sink.version` is the highest gold
 * table version, `tables` has each one.
 */
export interface GoldQueryProgress extends StreamingQueryProgress<SilverVersion> {
  /** The silver version each gold table was computed from. */
  silverVersions: Record<RecordKind, number>;
  /** Per gold table name (without the user id), what the batch wrote. */
  tables: Record<string, GoldTableProgress>;
}

/** Options of {@linkcode startAnalyticsQuery}. */
export interface AnalyticsQueryOptions {
  /**
   * Computes the gold frames from the silver frames (default: the course's nine answers, `computeGold`).
   *
   * @default {computeGold}
   */
  compute?: GoldCompute;
  /**
   * Names the silver and gold tables (default `12c0d092d679`).
   *
   * @default {"12c0d092d679"}
   */
  userId?: string;
  /**
   * Root of the tables (default env `LAKEHOUSE_DIR` or `./lakehouse`).
   *
   * @default {Deno.env.get("LAKEHOUSE_DIR") ?? "./lakehouse"}
   */
  lakehouseDir?: string;
  /**
   * Root of the checkpoints (default env `CHECKPOINT_DIR` or `./checkpoints`).
   *
   * @default {Deno.env.get("CHECKPOINT_DIR") ?? "./checkpoints"}
   */
  checkpointDir?: string;
  /**
   * The query's name and checkpoint folder (default `<userId>_gold_query`).
   *
   * @default {`${userId}_gold_query`}
   */
  queryName?: string;
  /**
   * How often the silver versions are checked (default
   * `{ processingTime: "10 seconds" }`); `{ availableNow: true }` computes
   * once if a silver table changed since the last batch, then stops.
   *
   * @default {{ processingTime: "10 seconds" }}
   */
  trigger?: Trigger;
  /** Called with each batch's progress (also a `progress` event). */
  onProgress?: (progress: GoldQueryProgress) => void;
  /**
   * How many progress reports `recentProgress` keeps (default 100).
   *
   * @default {100}
   */
  progressRetention?: number;
  /**
   * With a processing-time trigger, the least time between two idle
   * progress reports (numInputRows 0) while nothing new comes: Spark's
   * `spark.sql.streaming.noDataProgressEventInterval` (default `10s`).
   *
   * @default {"10s"}
   */
  noDataProgressEventInterval?: string | number;
}

/** The default gold query name: `<userId>_gold_query`. */
export function goldQueryName(userId: string): string {
  return `${userId}_gold_query`;
}

/** The table a gold frame goes to: `<userId>_<name>`. */
function goldTableName(userId: string, name: string): string {
  return `${userId}_${name}`;
}

/**
 * Starts the live gold query (see the module doc). Rejects with
 * `CheckpointMismatchError` when its checkpoint was written for other
 * silver tables (or ones dropped and recreated since).
 *
 * @example
 * ```ts ignore
 * const query = await startAnalyticsQuery({ compute: computeGold, lakehouseDir, checkpointDir });
 * query.addEventListener("progress", (e) => console.log((e as CustomEvent).detail.silverVersions));
 * await query.stop();
 * ```
 */
export async function startAnalyticsQuery(options: AnalyticsQueryOptions): Promise<GoldQuery> {
  const query = new GoldQuery(options);
  await query._init();
  query._run();
  return query;
}

/** The metadata file of the gold query's checkpoint. */
interface GoldCheckpointMetadata {
  id: string;
  gold: { userId: string; silver: Record<RecordKind, string> };
}

/** The running gold query, with `StreamingQuery`'s face. Use {@linkcode startAnalyticsQuery}. */
export class GoldQuery extends MicroBatchQuery<GoldQueryProgress> {
  /** The user id naming the tables. */
  readonly userId: string;
  /** The silver tables' directories. */
  readonly silverPaths: Readonly<Record<RecordKind, string>>;
  readonly #catalog: Catalog;
  readonly #compute: GoldCompute;
  readonly #silver = new Map<RecordKind, DeltaTable>();
  readonly #sinks = new Map<string, DeltaSink>();
  #last: GoldOffset | null = null;
  #pending: { batchId: number; end: GoldOffset } | null = null;
  #nextBatchId = 0;
  #lastTriggerStart = 0;

  /** Use {@linkcode startAnalyticsQuery}. */
  constructor(options: AnalyticsQueryOptions) {
    const {
      compute = computeGold,
      userId = DEFAULT_USER_ID,
      lakehouseDir,
      checkpointDir = Deno.env.get("CHECKPOINT_DIR") || "./checkpoints",
      queryName = goldQueryName(userId),
      trigger = { processingTime: "10 seconds" },
      onProgress,
      progressRetention,
      noDataProgressEventInterval,
    } = options ?? {};
    if (typeof compute !== "function") {
      throw new TypeError("Cannot start the gold query: compute must be a function");
    }
    if (!/^[A-Za-z0-9]{1,64}$/.test(userId)) {
      throw new TypeError(
        `Cannot start the gold query: userId "${userId}" must be 1 to 64 letters or digits`,
      );
    }
    super({
      queryName,
      checkpointLocation: resolveLocation(joinLocation(checkpointDir, queryName)),
      trigger,
      progressRetention,
      onProgress,
      noDataProgressEventInterval,
    });
    this.userId = userId;
    this.#catalog = new Catalog(lakehouseDir ? { lakehouseDir } : {});
    this.#compute = compute;
    this.silverPaths = Object.fromEntries(
      RECORD_KINDS.map((k) => [k, this.#catalog.tablePath(tableName(userId, k))]),
    ) as Record<RecordKind, string>;
  }

  /** The directory of gold table `name` (without the user id). */
  goldTablePath(name: string): string {
    return this.#catalog.tablePath(goldTableName(this.userId, name));
  }

  /** @internal Reads or creates the checkpoint and restores the last offsets. */
  async _init(): Promise<void> {
    const silver = { ...this.silverPaths };
    let metadata = await this.checkpoint.readMetadata<GoldCheckpointMetadata>();
    if (metadata) {
      // Tables are matched by name, not path: a lakehouse moved or reached by
      // another relative path is the same; a recreated silver table only means
      // the next batch recomputes from it (gold tables keep no other state).
      if (metadata.gold?.userId !== this.userId) {
        throw new CheckpointMismatchError(
          this.checkpointLocation,
          `Cannot start the gold query from checkpoint ${this.checkpointLocation}: it was written for user id "${metadata.gold?.userId}", not "${this.userId}"; use another checkpointDir or reset the checkpoint`,
        );
      }
    } else {
      metadata = { id: crypto.randomUUID(), gold: { userId: this.userId, silver } };
      await this.checkpoint.writeMetadata(metadata);
    }
    this.id = metadata.id;
    const lastOffsets = await this.checkpoint.latestOffsetsBatch();
    const lastCommit = await this.checkpoint.latestCommittedBatch();
    if (lastOffsets > lastCommit) {
      const end = await this.checkpoint.readOffsets<GoldOffset>(lastOffsets);
      this.#pending = { batchId: lastOffsets, end: end! };
      this.#last = lastOffsets > 0
        ? await this.checkpoint.readOffsets<GoldOffset>(lastOffsets - 1)
        : null;
      this.#nextBatchId = lastOffsets;
    } else {
      this.#last = lastCommit >= 0
        ? await this.checkpoint.readOffsets<GoldOffset>(lastCommit)
        : null;
      this.#nextBatchId = lastCommit + 1;
    }
  }

  /** The latest version of each silver table, or null while one does not exist yet. */
  async #latest(): Promise<GoldOffset | null> {
    const out: Partial<GoldOffset> = {};
    for (const kind of RECORD_KINDS) {
      let table = this.#silver.get(kind);
      if (!table) {
        if (!(await DeltaTable.exists(this.silverPaths[kind]))) return null;
        table = await DeltaTable.open(this.silverPaths[kind]);
        this.#silver.set(kind, table);
      }
      const version = await table.refresh();
      out[kind] = { reservoirId: table.snapshot.metadata.id, version };
    }
    return out as GoldOffset;
  }

  /** @internal The progress of a trigger that found no new silver version (none before a first batch). */
  protected override _idleProgress(triggerMs: number): GoldQueryProgress | null {
    const last = this.#last;
    if (!last) return null;
    const previous = this.lastProgress;
    return {
      ...idleProgress({
        id: this.id,
        runId: this.runId,
        name: this.name,
        batchId: this.#nextBatchId,
        triggerMs,
        sources: RECORD_KINDS.map((kind) => ({
          description: `DeltaSource[${this.silverPaths[kind]}]`,
          offset: last[kind],
        })),
        sink: { description: this.#sinkDescription(), version: previous?.sink.version ?? -1 },
      }),
      silverVersions: versionsOf(last),
      tables: {},
    };
  }

  #sinkDescription(): string {
    return `GoldTables[${joinLocation(this.#catalog.lakehouseDir, "default", `${this.userId}_*`)}]`;
  }

  /** @internal Runs one batch; false when no silver table changed. */
  protected override async _trigger(): Promise<boolean> {
    const triggerStart = performance.now();
    const timestamp = new Date().toISOString();
    const sinceLast = this.#lastTriggerStart ? triggerStart - this.#lastTriggerStart : 0;
    let batchId: number;
    let end: GoldOffset;
    let walMs = 0;
    const t0 = performance.now();
    if (this.#pending) {
      ({ batchId, end } = this.#pending);
      this.#pending = null;
    } else {
      if (this.stopping) return false;
      const latest = await this.#latest();
      if (!latest || (this.#last && sameVersions(this.#last, latest))) return false;
      if (this.#last && !(await this.#dataChanged(this.#last, latest))) {
        // Only commits without data change (OPTIMIZE, empty batches): same answer.
        this.#last = latest;
        return false;
      }
      batchId = this.#nextBatchId;
      end = latest;
      const w0 = performance.now();
      await this.checkpoint.writeOffsets(batchId, end, Date.now());
      walMs = performance.now() - w0;
    }
    const latestOffsetMs = performance.now() - t0 - walMs;
    this.#lastTriggerStart = triggerStart;

    const g0 = performance.now();
    const silver: Partial<SilverDataFrames> = {};
    for (const kind of RECORD_KINDS) {
      const table = this.#silver.get(kind) ?? await DeltaTable.open(this.silverPaths[kind]);
      this.#silver.set(kind, table);
      if (table.snapshot.metadata.id !== end[kind].reservoirId) {
        throw new CheckpointMismatchError(
          this.checkpointLocation,
          `Cannot run gold batch ${batchId}: silver table ${
            this.silverPaths[kind]
          } was dropped and recreated since its offsets were written; reset the checkpoint`,
        );
      }
      silver[kind] = await table.read({ version: end[kind].version });
    }
    const getBatchMs = performance.now() - g0;

    const a0 = performance.now();
    const gold = await this.#compute(silver as SilverDataFrames);
    if (!gold || typeof gold !== "object") {
      throw new TypeError(
        "Cannot write the gold tables: compute must return an object of DataFrames",
      );
    }
    // Every answer is checked before the first table is written.
    for (const [name, df] of Object.entries(gold)) {
      if (!df || typeof (df as { height?: unknown }).height !== "number") {
        throw new TypeError(
          `Cannot write gold table "${name}": compute did not return a DataFrame`,
        );
      }
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        throw new TypeError(
          `Cannot write gold table "${name}": names must match [A-Za-z0-9_]+`,
        );
      }
    }
    const tables: Record<string, GoldTableProgress> = {};
    for (const [name, df] of Object.entries(gold)) {
      const sink = this.#sink(name);
      const written = await sink.completeBatch(this.id, batchId, df);
      tables[name] = {
        path: sink.path,
        version: written.version,
        rows: written.rows,
        skipped: written.skipped,
      };
    }
    const addBatchMs = performance.now() - a0;

    const c0 = performance.now();
    await this.checkpoint.writeCommit(batchId);
    const commitMs = performance.now() - c0;
    const start = this.#last;
    this.#last = end;
    this.#nextBatchId = batchId + 1;

    const triggerMs = performance.now() - triggerStart;
    const rows = RECORD_KINDS.reduce((n, k) => n + silver[k]!.height, 0);
    const written = Object.values(tables);
    await this._report({
      ...this._batchProgressHead(batchId, rows, timestamp, sinceLast, {
        latestOffset: latestOffsetMs,
        getBatch: getBatchMs,
        addBatch: addBatchMs,
        walCommit: walMs,
        commitOffsets: commitMs,
        triggerExecution: triggerMs,
      }),
      sources: RECORD_KINDS.map((kind) => ({
        description: `DeltaSource[${this.silverPaths[kind]}]`,
        startOffset: start?.[kind] ?? null,
        endOffset: end[kind],
        latestOffset: end[kind],
        numInputRows: silver[kind]!.height,
        inputRowsPerSecond: rowsPerSecond(silver[kind]!.height, sinceLast),
        processedRowsPerSecond: rowsPerSecond(silver[kind]!.height, triggerMs),
        millisBehindLatest: {},
      })),
      sink: {
        description: this.#sinkDescription(),
        numOutputRows: written.reduce((n, t) => n + t.rows, 0),
        version: written.reduce((v, t) => Math.max(v, t.version), -1),
        skipped: written.length > 0 && written.every((t) => t.skipped),
      },
      numQuarantinedRows: 0,
      nulledValues: {},
      invalidValues: {},
      silverVersions: versionsOf(end),
      tables,
    });
    return true;
  }

  /**
   * Whether a commit between `from` and `to` of some silver table adds or
   * removes data (true when a table was recreated).
   */
  async #dataChanged(from: GoldOffset, to: GoldOffset): Promise<boolean> {
    for (const kind of RECORD_KINDS) {
      if (from[kind].reservoirId !== to[kind].reservoirId) return true;
      const table = this.#silver.get(kind)!;
      for (let v = from[kind].version + 1; v <= to[kind].version; v++) {
        const commit = await table.commitAt(v);
        if (!commit) return true;
        const files = [...commit.adds, ...commit.removes];
        if (commit.metaData || files.some((f) => f.dataChange !== false)) return true;
      }
    }
    return false;
  }

  #sink(name: string): DeltaSink {
    let sink = this.#sinks.get(name);
    if (!sink) {
      const table = goldTableName(this.userId, name);
      sink = new DeltaSink(this.#catalog.tablePath(table), { name: table });
      this.#sinks.set(name, sink);
    }
    return sink;
  }
}

function versionsOf(offset: GoldOffset): Record<RecordKind, number> {
  return Object.fromEntries(RECORD_KINDS.map((k) => [k, offset[k].version])) as Record<
    RecordKind,
    number
  >;
}

function sameVersions(a: GoldOffset, b: GoldOffset): boolean {
  return RECORD_KINDS.every((k) =>
    a[k]?.version === b[k].version && a[k]?.reservoirId === b[k].reservoirId
  );
}
