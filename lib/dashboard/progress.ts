/**
 * Reads the streaming queries' progress for the dashboard: every checkpoint
 * under the checkpoint directory keeps one `progress/<runId>.jsonl` file per
 * run, appended one JSON line per batch. The reader remembers how far it
 * read each file and reads only what was appended since, so polling every
 * second stays cheap however long the queries have run.
 *
 * The checkpoint directory may be a path or `s3://bucket/prefix`: files are
 * found and read through the storage layer. On S3 a run's progress object is
 * rewritten whole at each batch, so it is read again only when its size
 * changed, and only the lines past the remembered offset are parsed.
 *
 * @module
 */
import { join } from "node:path";
import { type HealthPoint, healthPoint } from "../analytics/charts.ts";
import { type FileInfo, openStorage, resolveLocation, type Storage } from "../delta/storage/mod.ts";
import type { StreamingQueryProgress } from "../stream/progress.ts";

/** One query's recent progress, as `/api/progress` answers it. */
export interface QueryProgressSummary {
  /** The query's name (its checkpoint directory's name when it has none). */
  name: string;
  /** The checkpoint directory's name under the checkpoint directory. */
  checkpoint: string;
  /** The query id of the newest batch. */
  id: string;
  /** The run id of the newest batch. */
  runId: string;
  /** The sink table's version after the newest batch. */
  tableVersion: number;
  /** The newest batches' health numbers, oldest first. */
  recent: HealthPoint[];
}

/** Options of {@linkcode ProgressReader}. */
export interface ProgressReaderOptions {
  /**
   * How many batches to keep per progress file. Default 1000.
   *
   * @default {1000}
   */
  retain?: number;
}

interface FileState {
  offset: number;
  entries: StreamingQueryProgress[];
}

/**
 * Tails the progress files of the checkpoints under a directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProgressReader } from "./progress.ts";
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(await new ProgressReader(dir).read(), []);
 * await Deno.remove(dir);
 * ```
 */
export class ProgressReader {
  /** The checkpoint directory (each child is one query's checkpoint): a path or `s3://bucket/prefix`. */
  readonly checkpointDir: string;
  #storage: Storage;
  #retain: number;
  #files = new Map<string, FileState>();

  /** Makes a reader of the checkpoints under `checkpointDir`. */
  constructor(checkpointDir: string, options: ProgressReaderOptions = {}) {
    const { retain = 1000 } = options;
    if (typeof checkpointDir !== "string" || checkpointDir === "") {
      throw new TypeError("Cannot read progress: checkpointDir must be a non-empty string");
    }
    if (!Number.isInteger(retain) || retain < 1) {
      throw new RangeError(`Cannot keep ${retain} batches of progress: expected an integer >= 1`);
    }
    this.checkpointDir = resolveLocation(checkpointDir);
    this.#storage = openStorage(this.checkpointDir);
    this.#retain = retain;
  }

  /**
   * Each query's newest `limit` batches (default 60), queries sorted by
   * name. Checkpoints with no progress yet are left out.
   */
  async read(limit = 60): Promise<QueryProgressSummary[]> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Cannot show ${limit} batches: expected an integer >= 1`);
    }
    const seen = new Set<string>();
    const summaries: QueryProgressSummary[] = [];
    for (const [checkpoint, files] of await this.#progressFiles()) {
      const entries: StreamingQueryProgress[] = [];
      for (const file of files) {
        seen.add(file.path);
        entries.push(...await this.#tail(file));
      }
      if (entries.length === 0) continue;
      entries.sort((a, b) =>
        a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.batchId - b.batchId
      );
      const recent = entries.slice(-limit);
      const newest = recent[recent.length - 1]!;
      summaries.push({
        name: newest.name ?? checkpoint,
        checkpoint,
        id: newest.id,
        runId: newest.runId,
        tableVersion: newest.sink.version,
        recent: recent.map(healthPoint),
      });
    }
    for (const path of this.#files.keys()) if (!seen.has(path)) this.#files.delete(path);
    return summaries.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The progress files (`<checkpoint>/progress/<runId>.jsonl`), by checkpoint name, sorted. */
  async #progressFiles(): Promise<Map<string, FileInfo[]>> {
    const local = this.#storage.localPath("");
    const files: FileInfo[] = [];
    if (local !== null) {
      // Locally only the progress directories are listed, not every offsets and commits file.
      for (const checkpoint of await listDirs(local)) {
        for (const name of await listFiles(join(local, checkpoint, "progress"), ".jsonl")) {
          const info = await this.#storage.stat(`${checkpoint}/progress/${name}`);
          if (info) files.push(info);
        }
      }
    } else {
      files.push(...await this.#storage.list(""));
    }
    const byCheckpoint = new Map<string, FileInfo[]>();
    for (const file of files) {
      const m = /^([^/]+)\/progress\/[^/]+\.jsonl$/.exec(file.path);
      if (!m) continue;
      const list = byCheckpoint.get(m[1]!) ?? [];
      list.push(file);
      byCheckpoint.set(m[1]!, list);
    }
    return new Map([...byCheckpoint].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
  }

  /** The entries of one progress file, reading only what was appended since last time. */
  async #tail(file: FileInfo): Promise<StreamingQueryProgress[]> {
    const { path, size } = file;
    let state = this.#files.get(path);
    if (!state || size < state.offset) {
      // New, or replaced by a shorter file (a reset checkpoint): read from the start.
      state = { offset: 0, entries: [] };
      this.#files.set(path, state);
    }
    if (size === state.offset) return state.entries;
    const bytes = await this.#readFrom(path, state.offset, size);
    if (bytes === null) return [];
    // Only whole lines: a line being written now is read next time.
    const end = bytes.lastIndexOf(10);
    if (end < 0) return state.entries;
    const text = new TextDecoder().decode(bytes.subarray(0, end));
    state.offset += end + 1;
    for (const line of text.split("\n")) {
      const entry = parseEntry(line);
      if (entry) state.entries.push(entry);
    }
    if (state.entries.length > this.#retain) {
      state.entries.splice(0, state.entries.length - this.#retain);
    }
    return state.entries;
  }

  /** The bytes of `path` from `offset` (up to `size` locally), or null when it is gone. */
  async #readFrom(path: string, offset: number, size: number): Promise<Uint8Array | null> {
    const local = this.#storage.localPath(path);
    if (local === null) {
      // An object store has no append: the object is read whole (it was rewritten whole).
      const bytes = await this.#storage.read(path);
      return bytes === null ? null : bytes.subarray(Math.min(offset, bytes.length));
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(local, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    try {
      await file.seek(offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(size - offset);
      let read = 0;
      while (read < buffer.length) {
        const n = await file.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      return buffer.subarray(0, read);
    } finally {
      file.close();
    }
  }
}

function parseEntry(line: string): StreamingQueryProgress | null {
  if (line.trim() === "") return null;
  try {
    const value = JSON.parse(line);
    const ok = value && typeof value === "object" && typeof value.id === "string" &&
      typeof value.batchId === "number" && typeof value.timestamp === "string" &&
      value.durationMs && value.sink && Array.isArray(value.sources);
    return ok ? value as StreamingQueryProgress : null;
  } catch {
    return null; // a damaged line is not the dashboard's to fix
  }
}

async function listDirs(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(suffix)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}
