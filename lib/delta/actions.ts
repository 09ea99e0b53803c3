/**
 * The actions of the Delta transaction log («Actions» in PROTOCOL.md) and
 * their newline-delimited JSON form.
 *
 * @module
 */

/** `protocol`: the reader and writer versions a table needs. */
export interface ProtocolAction {
  /** Lowest reader version that can read the table. */
  minReaderVersion: number;
  /** Lowest writer version that can write the table. */
  minWriterVersion: number;
  /** Reader features (reader version 3 only). */
  readerFeatures?: string[];
  /** Writer features (writer version 7 only). */
  writerFeatures?: string[];
}

/** `metaData`: the table's id, schema, partitioning and properties. */
export interface MetadataAction {
  /** A UUID naming the table. */
  id: string;
  /** Optional table name. */
  name?: string | null;
  /** Optional description. */
  description?: string | null;
  /** Always parquet. */
  format: { provider: string; options?: Record<string, string> | null };
  /** The schema as a JSON string. */
  schemaString: string;
  /** Partition column names, in order. */
  partitionColumns: string[];
  /** Table properties; all values are strings. */
  configuration: Record<string, string>;
  /** Epoch milliseconds of creation. */
  createdTime?: number | null;
}

/** `add`: a data file that is part of the table. */
export interface AddAction {
  /** Path relative to the table root, percent-encoded (RFC 2396). */
  path: string;
  /** Partition column values as strings (null for null). */
  partitionValues: Record<string, string | null>;
  /** Exact file size in bytes. */
  size: number;
  /** Epoch milliseconds of writing. */
  modificationTime: number;
  /** False when the commit only rearranges data (OPTIMIZE). */
  dataChange: boolean;
  /** Per-file statistics as a JSON string. */
  stats?: string | null;
  /** Free-form tags. */
  tags?: Record<string, string> | null;
  /** Deletion vector descriptor (a reader 3 feature pinstream refuses). */
  deletionVector?: unknown;
}

/** `remove`: a data file that is no longer part of the table (a tombstone). */
export interface RemoveAction {
  /** Path relative to the table root, percent-encoded. */
  path: string;
  /** Epoch milliseconds of the removal. */
  deletionTimestamp?: number | null;
  /** False when the commit only rearranges data (OPTIMIZE). */
  dataChange: boolean;
  /** True when `partitionValues` and `size` are present. */
  extendedFileMetadata?: boolean | null;
  /** Partition values of the removed file. */
  partitionValues?: Record<string, string | null> | null;
  /** Size of the removed file in bytes. */
  size?: number | null;
  /** Deletion vector descriptor. */
  deletionVector?: unknown;
}

/** `txn`: the last batch an application committed (exactly-once). */
export interface TxnAction {
  /** Stable id of the writing application (a streaming query id). */
  appId: string;
  /** The application's batch version. */
  version: number;
  /** Epoch milliseconds of the commit. */
  lastUpdated?: number | null;
}

/** `commitInfo`: free-form provenance of a commit. */
export interface CommitInfoAction {
  /** Epoch milliseconds of the commit. */
  timestamp?: number;
  /** e.g. `WRITE`, `STREAMING UPDATE`, `OPTIMIZE`, `CREATE TABLE`. */
  operation?: string;
  /** Parameters of the operation (values as the engine wrote them). */
  operationParameters?: Record<string, unknown>;
  /** Metrics of the operation. */
  operationMetrics?: Record<string, unknown>;
  /** e.g. `pinstream/0.1.0`. */
  engineInfo?: string;
  /** Any other field. */
  [key: string]: unknown;
}

/** One line of a commit file. */
export type Action =
  | { protocol: ProtocolAction }
  | { metaData: MetadataAction }
  | { add: AddAction }
  | { remove: RemoveAction }
  | { txn: TxnAction }
  | { commitInfo: CommitInfoAction };

/** The actions of one commit, grouped by kind. */
export interface Commit {
  /** The `protocol` action, if the commit changed it. */
  protocol?: ProtocolAction;
  /** The `metaData` action, if the commit changed it. */
  metaData?: MetadataAction;
  /** Files added. */
  adds: AddAction[];
  /** Files removed. */
  removes: RemoveAction[];
  /** Transaction identifiers set. */
  txns: TxnAction[];
  /** Provenance (the first `commitInfo` line when there are several). */
  commitInfo?: CommitInfoAction;
}

/**
 * Parses the text of a commit file (one JSON action per line; unknown
 * actions such as `cdc` are ignored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommit } from "./actions.ts";
 * const commit = parseCommit('{"txn":{"appId":"q","version":3}}\n');
 * assert.equal(commit.txns[0]?.version, 3);
 * ```
 */
export function parseCommit(text: string, source = "commit"): Commit {
  const commit: Commit = { adds: [], removes: [], txns: [] };
  let lineNumber = 0;
  for (const line of text.split("\n")) {
    lineNumber++;
    if (line.trim() === "") continue;
    let action: Record<string, unknown>;
    try {
      action = JSON.parse(line);
    } catch (cause) {
      throw new SyntaxError(`Cannot read ${source}: line ${lineNumber} is not JSON`, { cause });
    }
    addActionToCommit(commit, action);
  }
  return commit;
}

/** Puts one parsed action object into `commit`. */
export function addActionToCommit(commit: Commit, action: Record<string, unknown>): void {
  if (action.add) commit.adds.push(action.add as AddAction);
  else if (action.remove) commit.removes.push(action.remove as RemoveAction);
  else if (action.txn) commit.txns.push(action.txn as TxnAction);
  else if (action.metaData) commit.metaData = action.metaData as MetadataAction;
  else if (action.protocol) commit.protocol = action.protocol as ProtocolAction;
  else if (action.commitInfo) commit.commitInfo ??= action.commitInfo as CommitInfoAction;
}

/** Serializes actions as the text of a commit file (one action per line). */
export function serializeActions(actions: Action[]): string {
  return actions.map((action) => JSON.stringify(action)).join("\n") + "\n";
}
