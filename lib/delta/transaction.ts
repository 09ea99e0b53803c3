/**
 * Committing: the one `commitInfo` builder, the put-if-absent of a commit
 * file, and the retry loop (delta-rs `transaction/mod.rs` in spirit): try
 * version N; when another writer has it, read its commit, run the
 * conflict checks, and try N+1. After a commit, the checkpoint and log
 * cleanup that the table's properties ask for.
 *
 * @module
 */
import config from "../../deno.json" with { type: "json" };
import {
  type Action,
  type AddAction,
  type Commit,
  type CommitInfoAction,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
  serializeActions,
  type TxnAction,
} from "./actions.ts";
import { commitFileName, logPath } from "./log.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { cleanupExpiredLogs, logCleanupEnabled, logRetentionMs } from "./cleanup.ts";
import type { Snapshot } from "./snapshot.ts";
import type { Storage } from "./storage/mod.ts";
import { CommitConflictError } from "./errors.ts";

/** What pinstream writes as `commitInfo.engineInfo`. */
export const ENGINE_INFO = `pinstream/${config.version}`;

/** The fields of a `commitInfo` that vary by operation. */
export interface CommitInfoFields {
  /** e.g. `WRITE`, `STREAMING UPDATE`, `OPTIMIZE`, `CREATE TABLE`. */
  operation: string;
  /** Parameters; values are stored as strings, as Spark does. */
  operationParameters: Record<string, unknown>;
  /** Metrics; values are stored as strings. Default `{}`. */
  operationMetrics?: Record<string, unknown>;
  /** The version read before committing; absent for CREATE TABLE. */
  readVersion?: number;
  /** Default `Serializable`. */
  isolationLevel?: string;
  /** True when the commit only adds data. */
  isBlindAppend: boolean;
}

function stringValues(values: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = typeof value === "string" || value === null ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * Builds a `commitInfo` action: timestamp from `now`, a fresh `txnId`
 * (which also makes each commit file's bytes unique, so a writer can tell
 * its own commit from another's), and `engineInfo`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildCommitInfo } from "./transaction.ts";
 * const info = buildCommitInfo({ operation: "WRITE", operationParameters: { mode: "Append" },
 *   isBlindAppend: true }, () => 5);
 * assert.equal(info.timestamp, 5);
 * assert.equal(info.operation, "WRITE");
 * ```
 */
export function buildCommitInfo(fields: CommitInfoFields, now: () => number): CommitInfoAction {
  const {
    operation,
    operationParameters,
    operationMetrics = {},
    readVersion,
    isolationLevel = "Serializable",
    isBlindAppend,
  } = fields;
  return {
    timestamp: now(),
    operation,
    operationParameters: stringValues(operationParameters),
    ...(readVersion === undefined ? {} : { readVersion }),
    isolationLevel,
    isBlindAppend,
    operationMetrics: stringValues(operationMetrics),
    engineInfo: ENGINE_INFO,
    txnId: crypto.randomUUID(),
  };
}

/** The actions of a commit, in the order they are written. */
export function commitActions(commitInfo: CommitInfoAction, commit: Omit<Commit, "commitInfo">) {
  const actions: Action[] = [{ commitInfo }];
  if (commit.protocol) actions.push({ protocol: commit.protocol });
  if (commit.metaData) actions.push({ metaData: commit.metaData });
  for (const txn of commit.txns) actions.push({ txn });
  for (const remove of commit.removes) actions.push({ remove });
  for (const add of commit.adds) actions.push({ add });
  return actions;
}

/**
 * Creates commit `version` with `actions` only if no writer has it yet
 * (atomic put-if-absent of the store); false when the version is taken.
 */
export function writeCommitFile(
  storage: Storage,
  version: number,
  actions: Action[],
): Promise<boolean> {
  return storage.writeIfAbsent(logPath(commitFileName(version)), serializeActions(actions));
}

/** What a transaction commits besides its `commitInfo`. */
export interface TransactionActions {
  /** Files added. */
  adds: AddAction[];
  /** Files removed. */
  removes: RemoveAction[];
  /** Transaction identifiers. */
  txns: TxnAction[];
  /** New metadata, if the commit changes it. */
  metaData?: MetadataAction;
  /** New protocol, if the commit changes it. */
  protocol?: ProtocolAction;
}

/** Options of {@linkcode commitTransaction}. */
export interface CommitTransactionOptions {
  /** The `commitInfo` fields (`readVersion` is filled in). */
  info: Omit<CommitInfoFields, "readVersion">;
  /** How many versions to try. */
  maxAttempts: number;
  /**
   * Looks at each winning commit: throws to give up, or returns true when
   * the winner already did this work (then nothing is committed).
   */
  check: (winner: Commit) => boolean;
  /** The clock, epoch milliseconds. */
  now: () => number;
}

/**
 * Commits `actions` at the version after `snapshot`'s, retrying on lost
 * races; the snapshot follows every commit read or made. Returns the
 * version committed, or null when a check said the work was already done.
 * Throws `CommitConflictError` after `maxAttempts`.
 */
export async function commitTransaction(
  snapshot: Snapshot,
  actions: TransactionActions,
  options: CommitTransactionOptions,
): Promise<number | null> {
  const { info, maxAttempts, check, now } = options;
  const readVersion = snapshot.version;
  let version = readVersion + 1;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    version = snapshot.version + 1;
    const commitInfo = buildCommitInfo({ ...info, readVersion }, now);
    const commit = { ...actions, commitInfo };
    if (await writeCommitFile(snapshot.storage, version, commitActions(commitInfo, actions))) {
      snapshot.applyCommitted(version, commit);
      await afterCommit(snapshot, version, now);
      return version;
    }
    const winners = await snapshot.update();
    for (const { commit: winner } of winners) {
      if (check(winner)) return null;
    }
  }
  throw new CommitConflictError(
    `Cannot commit to ${snapshot.tablePath}: other writers won the race for the next version ` +
      `${maxAttempts} times`,
    { version },
  );
}

/**
 * After commit `version`: a checkpoint every `delta.checkpointInterval`
 * (default 10) commits, then log cleanup unless
 * `delta.enableExpiredLogCleanup` is false. Both are housekeeping: a
 * failure is reported as a warning and the commit stands.
 */
export async function afterCommit(
  snapshot: Snapshot,
  version: number,
  now: () => number,
): Promise<void> {
  const configuration = snapshot.configuration;
  const interval = Number(configuration["delta.checkpointInterval"] ?? 10);
  if (!(interval > 0) || version === 0 || version % interval !== 0) return;
  try {
    await writeCheckpoint(snapshot.storage, {
      version,
      protocol: snapshot.protocol,
      metadata: snapshot.metadata,
      adds: snapshot.files,
      removes: snapshot.tombstones,
      txns: snapshot.txns,
    }, { now: now() });
  } catch (error) {
    // A checkpoint is an optimization: the commit stands, readers replay JSON.
    console.warn(
      `pinstream: could not write checkpoint ${version} of ${snapshot.tablePath}: ${error}`,
    );
    return;
  }
  if (!logCleanupEnabled(configuration)) return;
  try {
    await cleanupExpiredLogs(snapshot.storage, {
      retentionMs: logRetentionMs(configuration),
      now: now(),
    });
  } catch (error) {
    console.warn(`pinstream: could not clean up the log of ${snapshot.tablePath}: ${error}`);
  }
}
