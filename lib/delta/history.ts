/**
 * A table's history, like `DESCRIBE HISTORY`: one entry per commit still in
 * the log, newest first.
 *
 * @module
 */
import { commitFileName, listLog, logPath, readCommit } from "./log.ts";
import type { Storage } from "./storage/mod.ts";
import { commitTimestamp } from "./snapshot.ts";
import { htmlTable, JUPYTER_DISPLAY } from "../jupyter.ts";

/** One commit of a table's history. */
export interface HistoryEntry {
  /** The commit's version. */
  version: number;
  /** When it was committed (commitInfo.timestamp, else the file's mtime). */
  timestamp: Date;
  /** e.g. `CREATE TABLE`, `WRITE`, `STREAMING UPDATE`, `OPTIMIZE`; empty when unknown. */
  operation: string;
  /** The operation's parameters. */
  operationParameters: Record<string, unknown>;
  /** The operation's metrics (numFiles, numOutputRows, ...). */
  operationMetrics: Record<string, unknown>;
  /** The engine that wrote it, e.g. `pinstream/0.1.0`. */
  engineInfo: string | null;
  /** The version the writer read before committing. */
  readVersion: number | null;
  /** True when the commit only added data. */
  isBlindAppend: boolean | null;
}

/** A table's history: an array of entries, newest first, that notebooks render as a table. */
export type TableHistory = HistoryEntry[] & {
  /** The notebook face: an HTML table. */
  [JUPYTER_DISPLAY](): { "text/html": string };
};

/** Options of {@linkcode readHistory}. */
export interface ReadHistoryOptions {
  /** Return at most this many entries (the newest). Default: all. */
  limit?: number;
}

/** Renders history entries as an HTML table. */
export function historyHtml(entries: HistoryEntry[]): string {
  return htmlTable(
    ["version", "timestamp", "operation", "operationParameters", "operationMetrics", "engineInfo"],
    entries.map((e) => [
      e.version,
      e.timestamp,
      e.operation,
      e.operationParameters,
      e.operationMetrics,
      e.engineInfo,
    ]),
  );
}

/**
 * Reads the history of the table in `storage`: commits whose JSON file is
 * still in the log, newest first.
 */
export async function readHistory(
  storage: Storage,
  options: ReadHistoryOptions = {},
): Promise<TableHistory> {
  const { limit = Infinity } = options;
  if (!(limit >= 0)) throw new RangeError(`Cannot read history: limit ${limit} must be >= 0`);
  const listing = await listLog(storage);
  const versions = (listing?.commits ?? []).slice().reverse().slice(0, limit);
  const entries: HistoryEntry[] = [];
  for (const version of versions) {
    const commit = await readCommit(storage, version);
    if (!commit) continue;
    const info = commit.commitInfo;
    const mtime = info?.timestamp === undefined
      ? (await storage.stat(logPath(commitFileName(version))))?.lastModified ?? null
      : null;
    entries.push({
      version,
      timestamp: new Date(commitTimestamp(info, mtime)),
      operation: typeof info?.operation === "string" ? info.operation : "",
      operationParameters: info?.operationParameters ?? {},
      operationMetrics: info?.operationMetrics ?? {},
      engineInfo: typeof info?.engineInfo === "string" ? info.engineInfo : null,
      readVersion: typeof info?.readVersion === "number" ? info.readVersion : null,
      isBlindAppend: typeof info?.isBlindAppend === "boolean" ? info.isBlindAppend : null,
    });
  }
  return Object.defineProperty(entries, JUPYTER_DISPLAY, {
    value: () => ({ "text/html": historyHtml(entries) }),
    enumerable: false,
  }) as TableHistory;
}
