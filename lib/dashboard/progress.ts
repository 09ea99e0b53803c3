/**
 * Reads the streaming queries' progress for the dashboard: every checkpoint
 * under the checkpoint directory keeps one `progress/<runId>.jsonl` file per
 * run, appended one JSON line per batch. The reader remembers how far it
 * read each file and reads only what was appended since, so polling every
 * second stays cheap however long the queries have run.
 *
 * @module
 */
import { join } from "node:path";
import { type HealthPoint, healthPoint } from "../analytics/charts.ts";
import { progressDir } from "../stream/query.ts";
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
  /** The checkpoint directory (each child is one query's checkpoint). */
  readonly checkpointDir: string;
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
    this.checkpointDir = checkpointDir;
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
    for (const checkpoint of await listDirs(this.checkpointDir)) {
      const dir = progressDir(join(this.checkpointDir, checkpoint));
      const entries: StreamingQueryProgress[] = [];
      for (const file of await listFiles(dir, ".jsonl")) {
        const path = join(dir, file);
        seen.add(path);
        entries.push(...await this.#tail(path));
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

  /** The entries of one progress file, reading only what was appended since last time. */
  async #tail(path: string): Promise<StreamingQueryProgress[]> {
    let state = this.#files.get(path);
    let size: number;
    try {
      size = (await Deno.stat(path)).size;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    if (!state || size < state.offset) {
      // New, or replaced by a shorter file (a reset checkpoint): read from the start.
      state = { offset: 0, entries: [] };
      this.#files.set(path, state);
    }
    if (size === state.offset) return state.entries;
    const file = await Deno.open(path, { read: true });
    try {
      await file.seek(state.offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(size - state.offset);
      let read = 0;
      while (read < buffer.length) {
        const n = await file.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      // Only whole lines: a line being written now is read next time.
      const end = buffer.subarray(0, read).lastIndexOf(10);
      if (end < 0) return state.entries;
      const text = new TextDecoder().decode(buffer.subarray(0, end));
      state.offset += end + 1;
      for (const line of text.split("\n")) {
        const entry = parseEntry(line);
        if (entry) state.entries.push(entry);
      }
      if (state.entries.length > this.#retain) {
        state.entries.splice(0, state.entries.length - this.#retain);
      }
      return state.entries;
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
