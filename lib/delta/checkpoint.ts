/**
 * Classic single-file checkpoints («Checkpoints», «V1 Spec»): the table
 * state at a version as one parquet file with the protocol's schema
 * (`partitionValues`, `tags`, `configuration` and `format.options` are
 * parquet MAPs, written by DuckDB), plus `_last_checkpoint`.
 *
 * @module
 */
import { join } from "node:path";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import {
  type AddAction,
  addActionToCommit,
  type Commit,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
  type TxnAction,
} from "./actions.ts";
import { checkpointFileName, type LastCheckpoint, logPath } from "./log.ts";
import { sqlString, withDuckDB } from "./_duckdb.ts";
import type { Storage } from "./storage/mod.ts";

/**
 * A checkpoint file as Polars reads it: a local path, or the bytes of a
 * file downloaded from a remote store.
 */
export type CheckpointSource = string | Buffer;

/**
 * The sources of checkpoint files `paths` (relative to the table root):
 * local paths read in place, remote files downloaded. Throws when a file
 * is missing.
 */
export async function checkpointSources(
  storage: Storage,
  paths: string[],
): Promise<CheckpointSource[]> {
  const out: CheckpointSource[] = [];
  for (const path of paths) {
    const local = storage.localPath(path);
    if (local !== null) {
      out.push(local);
      continue;
    }
    const bytes = await storage.read(path);
    if (bytes === null) throw new Error(`Cannot read checkpoint file ${path}: it does not exist`);
    out.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return out;
}

/** The state a checkpoint records. */
export interface CheckpointState {
  /** The version the state is at. */
  version: number;
  /** The table's protocol. */
  protocol: ProtocolAction;
  /** The table's metadata. */
  metadata: MetadataAction;
  /** Live files. */
  adds: Iterable<AddAction>;
  /** Tombstones (expired ones are dropped by the writer). */
  removes: Iterable<RemoveAction>;
  /** Transaction identifiers. */
  txns: Iterable<TxnAction>;
}

/** Options of {@linkcode writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** Tombstones deleted before `now - tombstoneRetentionMs` are left out. Default 1 week. */
  tombstoneRetentionMs?: number;
  /** The current time in epoch milliseconds. Default `Date.now()`. */
  now?: number;
}

const MAP = "MAP(VARCHAR, VARCHAR)";

/** The checkpoint schema as DuckDB column types. */
const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: "STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)",
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, ` +
    `dataChange BOOLEAN, stats VARCHAR, tags ${MAP})`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, ` +
    `extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, ` +
    `format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, ` +
    `partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: "STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)",
};

/**
 * Writes `_delta_log/{version}.checkpoint.parquet` for `state` and then
 * `_delta_log/_last_checkpoint`, through `storage` (DuckDB writes the
 * parquet to a local file, which is then stored). Both appear atomically.
 * Call it only once the commit at `state.version` exists. Returns what
 * `_last_checkpoint` now holds.
 */
export async function writeCheckpoint(
  storage: Storage,
  state: CheckpointState,
  options: WriteCheckpointOptions = {},
): Promise<LastCheckpoint> {
  const { tombstoneRetentionMs = 7 * 24 * 3600_000, now = Date.now() } = options;
  const lines: string[] = [
    JSON.stringify({
      protocol: {
        minReaderVersion: state.protocol.minReaderVersion,
        minWriterVersion: state.protocol.minWriterVersion,
      },
    }),
    JSON.stringify({
      metaData: {
        ...state.metadata,
        format: {
          provider: state.metadata.format.provider,
          options: state.metadata.format.options ?? {},
        },
      },
    }),
  ];
  let numOfAddFiles = 0;
  for (const txn of state.txns) lines.push(JSON.stringify({ txn }));
  for (const add of state.adds) {
    numOfAddFiles++;
    const { path, partitionValues, size, modificationTime, dataChange, stats, tags } = add;
    lines.push(JSON.stringify({
      add: { path, partitionValues, size, modificationTime, dataChange, stats, tags },
    }));
  }
  const cutoff = now - tombstoneRetentionMs;
  for (const remove of state.removes) {
    if ((remove.deletionTimestamp ?? 0) <= cutoff) continue;
    const { path, deletionTimestamp, dataChange, extendedFileMetadata, partitionValues, size } =
      remove;
    lines.push(JSON.stringify({
      remove: { path, deletionTimestamp, dataChange, extendedFileMetadata, partitionValues, size },
    }));
  }
  const name = checkpointFileName(state.version);
  const localLog = storage.localPath(logPath(""));
  // On a local store the temporary files sit beside the checkpoint, hidden
  // like it, so a writer killed here leaves nothing outside the table
  // (readers skip dot files in _delta_log); for a remote store, in a
  // temporary directory removed at the end.
  const tmpDir = localLog ?? await Deno.makeTempDir({ prefix: "pinstream-checkpoint-" });
  if (localLog) await Deno.mkdir(localLog, { recursive: true });
  const tmp = join(tmpDir, `.${name}.${crypto.randomUUID()}.tmp`);
  const ndjson = `${tmp}.ndjson`;
  let sizeInBytes: number;
  try {
    await Deno.writeTextFile(ndjson, lines.join("\n") + "\n");
    const columns = Object.entries(CHECKPOINT_COLUMNS)
      .map(([name, type]) => `${name}: ${sqlString(type)}`).join(", ");
    await withDuckDB((con) =>
      con.run(
        `COPY (SELECT ${Object.keys(CHECKPOINT_COLUMNS).join(", ")} FROM read_json(` +
          `${sqlString(ndjson)}, format = 'newline_delimited', columns = {${columns}})) ` +
          `TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION snappy)`,
      )
    );
    const bytes = await Deno.readFile(tmp);
    sizeInBytes = bytes.length;
    await storage.write(logPath(name), bytes);
  } finally {
    await Deno.remove(ndjson).catch(() => {});
    await Deno.remove(tmp).catch(() => {});
    if (!localLog) await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  }
  const last: LastCheckpoint = {
    version: state.version,
    size: lines.length,
    sizeInBytes,
    numOfAddFiles,
  };
  await storage.write(logPath("_last_checkpoint"), JSON.stringify(last));
  return last;
}

/**
 * Reads the actions of a checkpoint (one file or all parts of a multi-part
 * one, `paths` relative to the table root) with DuckDB, whatever engine
 * wrote it. Throws when a file is missing, truncated or not parquet.
 */
export async function readCheckpoint(storage: Storage, paths: string[]): Promise<Commit> {
  const local = paths.map((p) => storage.localPath(p));
  let tmpDir: string | null = null;
  if (local.some((p) => p === null)) {
    tmpDir = await Deno.makeTempDir({ prefix: "pinstream-checkpoint-" });
    for (const [i, path] of paths.entries()) {
      const bytes = await storage.read(path);
      if (bytes === null) throw new Error(`Cannot read checkpoint file ${path}: it does not exist`);
      local[i] = join(tmpDir, `part-${i}.parquet`);
      await Deno.writeFile(local[i]!, bytes);
    }
  }
  const list = `[${local.map((p) => sqlString(p!)).join(", ")}]`;
  const rows = await withDuckDB(async (con) => {
    const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${list})`);
    const present = new Set(described.getRowObjectsJson().map((r) => String(r.column_name)));
    const wanted = ["protocol", "metaData", "add", "remove", "txn"].filter((c) => present.has(c));
    if (wanted.length === 0) return [];
    const select = wanted.map((c) => `to_json("${c}") AS "${c}"`).join(", ");
    const reader = await con.runAndReadAll(`SELECT ${select} FROM read_parquet(${list})`);
    return reader.getRowObjectsJson();
  }).finally(() => tmpDir ? Deno.remove(tmpDir, { recursive: true }).catch(() => {}) : undefined);
  const commit: Commit = { adds: [], removes: [], txns: [] };
  for (const row of rows) {
    for (const [kind, json] of Object.entries(row)) {
      if (typeof json !== "string") continue;
      const value = JSON.parse(json);
      if (value === null) continue;
      addActionToCommit(commit, { [kind]: value });
    }
  }
  return commit;
}

/** What {@linkcode readCheckpointHead} returns: the table-level actions of a checkpoint. */
export interface CheckpointHead {
  /** The protocol action, if present. */
  protocol?: ProtocolAction;
  /** The metaData action, if present. */
  metaData?: MetadataAction;
  /** Transaction identifiers. */
  txns: TxnAction[];
}

function readParts(paths: CheckpointSource[], columns: string[]): pl.DataFrame {
  const frames = paths.map((path) => {
    const present = new Set(pl.readParquet(path, { nRows: 1 }).columns);
    const wanted = columns.filter((c) => present.has(c));
    return wanted.length === 0 ? null : pl.readParquet(path, { columns: wanted });
  }).filter((df): df is pl.DataFrame => df !== null);
  if (frames.length === 0) return pl.DataFrame({});
  return frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonalRelaxed" });
}

/** A parquet MAP read by Polars (a list of `{key, value}`) as an object. */
function mapValue(value: unknown): Record<string, string | null> | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((e: { key: string; value: string | null }) => [e.key, e.value ?? null]),
    );
  }
  return value as Record<string, string | null>;
}

function structRows(df: pl.DataFrame, column: string): Record<string, unknown>[] {
  if (!df.columns.includes(column) || df.height === 0) return [];
  const rows = df.filter(pl.col(column).isNotNull()).select(column).unnest(column);
  if (rows.height === 0) return [];
  const columns = Object.fromEntries(rows.columns.map((c) => [c, rows.getColumn(c).toArray()]));
  return Array.from({ length: rows.height }, (_, i) => {
    const row: Record<string, unknown> = {};
    for (const [name, values] of Object.entries(columns)) row[name] = values[i];
    return row;
  });
}

/** Rows read first for the protocol and metaData (writers put them at the start). */
const HEAD_ROWS = 8;

/**
 * Reads only the protocol and metaData actions of a checkpoint with Polars
 * (the txn, add and remove columns are not decoded), synchronously. Tries
 * the first rows of a single-file checkpoint first, where pinstream, Spark
 * and delta-rs write them, and reads the whole columns when they are not
 * there. `txns` is empty: see {@linkcode readCheckpointTxns}. Throws when a
 * file is missing, truncated or not parquet.
 */
export function readCheckpointHead(paths: CheckpointSource[]): CheckpointHead {
  const columns = ["protocol", "metaData"];
  if (paths.length === 1) {
    let head: CheckpointHead | null = null;
    try {
      head = headFromRecords(
        // A few rows of two columns: a thread pool costs more than it saves.
        pl.readParquet(paths[0]!, { columns, nRows: HEAD_ROWS, parallel: "none" }).toRecords(),
      );
    } catch {
      // A column is missing: the full read below names what is wrong.
    }
    if (head?.protocol && head.metaData) return head;
  }
  return headFromRecords(nonNullRecords(paths, columns));
}

/** Reads the txn actions of a checkpoint with Polars, synchronously. */
export function readCheckpointTxns(paths: CheckpointSource[]): TxnAction[] {
  let df: pl.DataFrame;
  try {
    // Common case (every writer emits the column): one read, no schema probe.
    df = pl.concat(paths.map((path) => pl.readParquet(path, { columns: ["txn"] })));
  } catch {
    df = readParts(paths, ["txn"]);
  }
  return txnsFromBody(df);
}

/**
 * Decodes the add, remove and txn columns of a checkpoint in full (every
 * page, so a damaged file fails here), synchronously, without making JS
 * objects yet: see {@linkcode filesFromBody} and {@linkcode txnsFromBody}.
 */
export function readCheckpointBody(paths: CheckpointSource[]): pl.DataFrame {
  const columns = ["add", "remove", "txn"];
  try {
    // Common case (every writer emits the columns): one read, no schema probe.
    const frames = paths.map((path) => pl.readParquet(path, { columns }));
    return frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonalRelaxed" });
  } catch {
    return readParts(paths, columns);
  }
}

/** The txn actions of a decoded checkpoint body. */
export function txnsFromBody(df: pl.DataFrame): TxnAction[] {
  return structRows(df, "txn").map((row) => ({
    appId: String(row.appId),
    version: Number(row.version),
    ...(row.lastUpdated == null ? {} : { lastUpdated: Number(row.lastUpdated) }),
  }));
}

/** The rows of `columns` in which at least one of them is not null, as records. */
function nonNullRecords(paths: CheckpointSource[], columns: string[]): Record<string, unknown>[] {
  let df: pl.DataFrame;
  try {
    // Common case (every writer emits the columns): one read, no schema probe.
    df = pl.concat(paths.map((path) => pl.readParquet(path, { columns })), {
      how: "diagonalRelaxed",
    });
  } catch {
    df = readParts(paths, columns);
  }
  const present = columns.filter((c) => df.columns.includes(c));
  if (present.length === 0) return [];
  return df.filter(present.map((c) => pl.col(c).isNotNull()).reduce((a, b) => a.or(b)))
    .toRecords();
}

function headFromRecords(records: Record<string, unknown>[]): CheckpointHead {
  const head: CheckpointHead = { txns: [] };
  const protocol = records.find((r) => r.protocol)?.protocol as Record<string, unknown> | undefined;
  if (protocol) {
    head.protocol = {
      minReaderVersion: Number(protocol.minReaderVersion),
      minWriterVersion: Number(protocol.minWriterVersion),
      ...(protocol.readerFeatures ? { readerFeatures: protocol.readerFeatures as string[] } : {}),
      ...(protocol.writerFeatures ? { writerFeatures: protocol.writerFeatures as string[] } : {}),
    };
  }
  const meta = records.find((r) => r.metaData)?.metaData as Record<string, unknown> | undefined;
  if (meta) {
    const format = (meta.format ?? { provider: "parquet" }) as {
      provider: string;
      options?: unknown;
    };
    head.metaData = {
      ...meta,
      format: { provider: format.provider, options: mapValue(format.options) ?? {} },
      partitionColumns: (meta.partitionColumns as string[] | null) ?? [],
      configuration: (mapValue(meta.configuration) ?? {}) as Record<string, string>,
    } as MetadataAction;
  }
  return head;
}

/**
 * Reads the add and remove actions of a checkpoint with Polars,
 * synchronously (the part of a checkpoint that grows with the table).
 */
export function readCheckpointFiles(
  paths: CheckpointSource[],
): { adds: AddAction[]; removes: RemoveAction[] } {
  return filesFromBody(readParts(paths, ["add", "remove"]));
}

/** The add and remove actions of a decoded checkpoint body. */
export function filesFromBody(df: pl.DataFrame): { adds: AddAction[]; removes: RemoveAction[] } {
  const adds = structRows(df, "add").map((row) => ({
    ...row,
    partitionValues: mapValue(row.partitionValues) ?? {},
    tags: mapValue(row.tags),
  })) as unknown as AddAction[];
  const removes = structRows(df, "remove").map((row) => ({
    ...row,
    partitionValues: mapValue(row.partitionValues),
  })) as unknown as RemoveAction[];
  return { adds, removes };
}

/**
 * Reads a whole checkpoint (`paths` relative to the table root) with
 * Polars: every row of every action, so that a damaged file is found
 * before anything relies on it. Throws when it is missing or damaged.
 */
export async function readFullCheckpoint(storage: Storage, paths: string[]): Promise<Commit> {
  const sources = await checkpointSources(storage, paths);
  const head = readCheckpointHead(sources);
  if (!head.protocol || !head.metaData) {
    throw new Error(`Checkpoint ${paths.join(", ")} has no protocol or metaData`);
  }
  const body = readCheckpointBody(sources);
  return { ...head, ...filesFromBody(body), txns: txnsFromBody(body) };
}
