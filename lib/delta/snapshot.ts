/**
 * A snapshot: the state of a table at one version, rebuilt by replaying the
 * newest usable checkpoint and the JSON commits after it («Action
 * Reconciliation»). A missing or unreadable checkpoint falls back to an
 * older one or to replaying every commit.
 *
 * @module
 */
import type {
  AddAction,
  Commit,
  CommitInfoAction,
  MetadataAction,
  ProtocolAction,
  RemoveAction,
  TxnAction,
} from "./actions.ts";
import {
  checkpointFileName,
  commitFileName,
  listLog,
  LOG_DIR,
  logPath,
  parseLogNames,
  readCommit,
  readLastCheckpoint,
} from "./log.ts";
import {
  checkpointSources,
  filesFromBody,
  readCheckpointBody,
  readCheckpointHead,
  readCheckpointTxns,
  txnsFromBody,
} from "./checkpoint.ts";
import { parseCommit } from "./actions.ts";
import type pl from "nodejs-polars";
import { openStorage, type Storage } from "./storage/mod.ts";
import { decodeAddPath } from "./partition.ts";
import { type DeltaStructType, parseSchemaString, typeNames } from "./schema.ts";
import { TableNotFoundError, UnsupportedTableError } from "./errors.ts";

/** Options of {@linkcode Snapshot.load}. */
export interface SnapshotLoadOptions {
  /** Load this version (time travel). Default: the latest. */
  version?: number;
  /**
   * Load the newest version committed at or before this instant (time
   * travel by commit timestamp). Ignored when `version` is given.
   */
  timestamp?: Date | number | string;
}

/** How a snapshot was built, for tests and benchmarks. */
export interface SnapshotSource {
  /** The checkpoint version replay started from, or null for a full JSON replay. */
  checkpoint: number | null;
  /** How many JSON commits were replayed. */
  commitsReplayed: number;
}

/** Reader features pinstream implements (none: it reads protocol 1 tables). */
const SUPPORTED_READER_FEATURES = new Set<string>();

/**
 * The state of a table at one version: protocol, metadata, live files,
 * tombstones and transaction identifiers.
 *
 * @example
 * ```ts ignore
 * import { Snapshot } from "./snapshot.ts";
 * const snapshot = await Snapshot.load("lakehouse/default/pins");
 * console.log(snapshot.version, snapshot.files.length);
 * ```
 */
export class Snapshot {
  /** The table root: a local path or an `s3://` URL. */
  readonly tablePath: string;
  /** The storage the table is in. */
  readonly storage: Storage;
  #version = -1;
  #protocol: ProtocolAction | undefined;
  #metadata: MetadataAction | undefined;
  #schema: DeltaStructType | undefined;
  #adds = new Map<string, AddAction>();
  #removes = new Map<string, RemoveAction>();
  #txns = new Map<string, TxnAction>();
  #source: SnapshotSource = { checkpoint: null, commitsReplayed: 0 };
  /**
   * While set, the file actions of the checkpoint (and of the commits after
   * it) are not loaded yet: the snapshot knows its version, protocol and
   * metadata, and reads the files on first use.
   */
  #pending: { body: () => pl.DataFrame; commits: Commit[] } | null = null;
  /**
   * While set, the txn actions of this checkpoint are not loaded yet; those
   * of later commits are in `#txns` already and take precedence.
   */
  #pendingTxns: (() => TxnAction[]) | null = null;

  private constructor(storage: Storage) {
    this.storage = storage;
    this.tablePath = storage.location;
  }

  /**
   * Loads the snapshot of the table at `table` (a location or a storage;
   * latest, or the version or timestamp in `options`). Throws
   * `TableNotFoundError` when there is no table, `UnsupportedTableError`
   * when its protocol needs features pinstream lacks, and `RangeError` for
   * a version that does not exist.
   */
  static async load(
    table: string | Storage,
    options: SnapshotLoadOptions = {},
  ): Promise<Snapshot> {
    const storage = typeof table === "string" ? openStorage(table) : table;
    const tablePath = storage.location;
    if (options.version === undefined && options.timestamp === undefined) {
      const fast = await Snapshot.#loadFromLastCheckpoint(storage);
      if (fast) return fast;
    }
    const listing = await listLog(storage);
    if (!listing || (listing.commits.length === 0 && listing.checkpoints.length === 0)) {
      throw new TableNotFoundError(`Cannot open table at ${tablePath}: it has no Delta log`);
    }
    const latest = Math.max(listing.commits.at(-1) ?? -1, listing.checkpoints[0]?.version ?? -1);
    let target = latest;
    if (options.version !== undefined) {
      if (!Number.isInteger(options.version) || options.version < 0) {
        throw new RangeError(
          `Cannot load version ${options.version}: a version is an integer >= 0`,
        );
      }
      if (options.version > latest) {
        throw new RangeError(
          `Cannot load version ${options.version} of ${tablePath}: the latest is ${latest}`,
        );
      }
      target = options.version;
    } else if (options.timestamp !== undefined) {
      target = await versionAtTimestamp(storage, options.timestamp, listing.commits);
    }
    const commits = new Set(listing.commits);
    const hasCommitsAfter = (from: number) => {
      for (let v = from + 1; v <= target; v++) if (!commits.has(v)) return false;
      return true;
    };
    const failures: unknown[] = [];
    for (const checkpoint of listing.checkpoints) {
      if (checkpoint.version > target || !hasCommitsAfter(checkpoint.version)) continue;
      const snapshot = await Snapshot.#fromCheckpoint(
        storage,
        checkpoint.version,
        checkpoint.paths,
      );
      if (snapshot instanceof Error) {
        failures.push(snapshot);
        continue; // truncated or unreadable: try an older checkpoint
      }
      await snapshot.#replay(target);
      snapshot.#assertReadable();
      return snapshot;
    }
    if (!hasCommitsAfter(-1)) {
      throw new Error(
        `Cannot load version ${target} of ${tablePath}: commits before it were removed ` +
          "and no readable checkpoint covers them",
        failures.length > 0 ? { cause: failures[0] } : undefined,
      );
    }
    const snapshot = new Snapshot(storage);
    await snapshot.#replay(target);
    snapshot.#assertReadable();
    return snapshot;
  }

  /**
   * The fast path for the latest version: `_last_checkpoint`, the
   * checkpoint's table-level actions, then the commits after it until one
   * is missing; no directory listing. Null when there is no usable
   * `_last_checkpoint`.
   */
  static async #loadFromLastCheckpoint(storage: Storage): Promise<Snapshot | null> {
    const last = await readLastCheckpoint(storage);
    if (!last || last.parts) return null;
    const snapshot = await Snapshot.#fromCheckpoint(storage, last.version, [
      logPath(checkpointFileName(last.version)),
    ]);
    if (snapshot instanceof Error) return null;
    const applied = await snapshot.update();
    snapshot.#source.commitsReplayed = applied.length;
    snapshot.#assertReadable();
    return snapshot;
  }

  /**
   * A snapshot at a checkpoint (`paths` relative to the table root), the
   * error when its protocol and metaData are unreadable. A remote
   * checkpoint, downloaded anyway, is decoded in full here so that damage
   * is found while an older one or the JSON commits can still stand in; a
   * local one is decoded on first use of its files or txns, and damage
   * found then is recovered from the same way (see `#recover`).
   */
  static async #fromCheckpoint(
    storage: Storage,
    version: number,
    paths: string[],
  ): Promise<Snapshot | Error> {
    let head;
    let body: () => pl.DataFrame;
    let txns: () => TxnAction[];
    try {
      const sources = await checkpointSources(storage, paths);
      head = readCheckpointHead(sources);
      if (sources.every((source) => typeof source === "string")) {
        body = () => readCheckpointBody(sources);
        txns = () => readCheckpointTxns(sources);
      } else {
        const decoded = readCheckpointBody(sources);
        body = () => decoded;
        txns = () => txnsFromBody(decoded);
      }
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
    if (!head.protocol || !head.metaData) {
      return new Error(
        `Checkpoint ${version} of ${storage.location} has no protocol or metaData`,
      );
    }
    const snapshot = new Snapshot(storage);
    snapshot.#apply(version, { ...head, adds: [], removes: [] });
    snapshot.#pending = { body, commits: [] };
    snapshot.#pendingTxns = txns;
    snapshot.#source = { checkpoint: version, commitsReplayed: 0 };
    return snapshot;
  }

  /** The version this snapshot is at. */
  get version(): number {
    return this.#version;
  }

  /** The table's protocol. */
  get protocol(): ProtocolAction {
    return this.#protocol!;
  }

  /** The table's metadata. */
  get metadata(): MetadataAction {
    return this.#metadata!;
  }

  /** The table's schema (parsed `schemaString`). */
  get schema(): DeltaStructType {
    return this.#schema!;
  }

  /** Partition column names. */
  get partitionColumns(): string[] {
    return this.#metadata?.partitionColumns ?? [];
  }

  /** Table properties. */
  get configuration(): Record<string, string> {
    return this.#metadata?.configuration ?? {};
  }

  /** The live data files. */
  get files(): AddAction[] {
    this.#loadFiles();
    return [...this.#adds.values()];
  }

  /** Tombstones: files removed from the table and not yet expired. */
  get tombstones(): RemoveAction[] {
    this.#loadFiles();
    return [...this.#removes.values()];
  }

  /** Transaction identifiers: the latest version per appId. */
  get txns(): TxnAction[] {
    this.#loadTxns();
    return [...this.#txns.values()];
  }

  /** How this snapshot was built. */
  get source(): SnapshotSource {
    return { ...this.#source };
  }

  /** The latest committed version for `appId`, or undefined. */
  txnVersion(appId: string): number | undefined {
    this.#loadTxns();
    return this.#txns.get(appId)?.version;
  }

  /** True when `path` (as in an add action) is a live file. */
  hasFile(path: string): boolean {
    this.#loadFiles();
    return this.#adds.has(decodeAddPath(path));
  }

  /**
   * Replays commits newer than this snapshot, if any; returns the commits
   * applied (with their versions), oldest first.
   */
  async update(): Promise<Array<{ version: number; commit: Commit }>> {
    const applied: Array<{ version: number; commit: Commit }> = [];
    for (let v = this.#version + 1;; v++) {
      const commit = await readCommit(this.storage, v);
      if (!commit) break;
      this.#apply(v, commit);
      applied.push({ version: v, commit });
    }
    if (applied.length > 0) this.#assertReadable();
    return applied;
  }

  /** Applies a commit this process just wrote as version `version`. */
  applyCommitted(version: number, commit: Commit): void {
    if (version !== this.#version + 1) {
      throw new RangeError(
        `Cannot apply commit ${version} to a snapshot at ${this.#version}: versions must follow`,
      );
    }
    this.#apply(version, commit);
  }

  async #replay(target: number): Promise<void> {
    for (let v = this.#version + 1; v <= target; v++) {
      const commit = await readCommit(this.storage, v);
      if (!commit) {
        throw new Error(
          `Cannot load version ${target} of ${this.tablePath}: commit ${v} is missing`,
        );
      }
      this.#apply(v, commit);
      this.#source.commitsReplayed++;
    }
  }

  #apply(version: number, commit: Commit): void {
    if (commit.protocol) this.#protocol = commit.protocol;
    if (commit.metaData) {
      this.#metadata = commit.metaData;
      this.#schema = parseSchemaString(commit.metaData.schemaString);
    }
    for (const txn of commit.txns) this.#txns.set(txn.appId, txn);
    this.#version = version;
    if (this.#pending) this.#pending.commits.push(commit);
    else this.#applyFiles(commit);
  }

  /** Reads the checkpoint's file actions and replays the pending commits' ones. */
  #loadFiles(): void {
    const pending = this.#pending;
    if (!pending) return;
    let files;
    try {
      files = filesFromBody(pending.body());
    } catch (cause) {
      this.#recover(cause);
      return;
    }
    this.#pending = null;
    this.#applyFiles({ adds: files.adds, removes: files.removes, txns: [] });
    for (const commit of pending.commits) this.#applyFiles(commit);
  }

  /** Reads the checkpoint's txn actions; later commits' txns win. */
  #loadTxns(): void {
    const read = this.#pendingTxns;
    if (!read) return;
    let txns;
    try {
      txns = read();
    } catch (cause) {
      this.#recover(cause);
      return;
    }
    const later = this.#txns;
    this.#txns = new Map(txns.map((txn) => [txn.appId, txn]));
    this.#pendingTxns = null;
    for (const [appId, txn] of later) this.#txns.set(appId, txn);
  }

  /**
   * The local checkpoint this snapshot started from turned out damaged when
   * its rows were read: rebuilds the files and txns, synchronously, from
   * the newest older checkpoint that reads in full plus the JSON commits
   * after it, or from every JSON commit. Throws, with the damage as cause,
   * when the log no longer holds what that needs.
   */
  #recover(cause: unknown): void {
    const damaged = this.#source.checkpoint;
    const logDir = this.storage.localPath(LOG_DIR);
    if (damaged === null || logDir === null) throw cause;
    const listing = parseLogNames(
      [...Deno.readDirSync(logDir)].filter((e) => e.isFile).map((e) => e.name),
    );
    const commits = new Set(listing.commits);
    const covered = (from: number) => {
      for (let v = from + 1; v <= this.#version; v++) if (!commits.has(v)) return false;
      return true;
    };
    const readCommitSync = (v: number) =>
      parseCommit(
        Deno.readTextFileSync(this.storage.localPath(logPath(commitFileName(v)))!),
        `commit ${v}`,
      );
    const rebuild = (from: number | null, body: pl.DataFrame | null) => {
      this.#adds.clear();
      this.#removes.clear();
      const files = body ? filesFromBody(body) : { adds: [], removes: [] };
      this.#applyFiles({ ...files, txns: [] });
      this.#txns = new Map((body ? txnsFromBody(body) : []).map((t) => [t.appId, t]));
      for (let v = (from ?? -1) + 1; v <= this.#version; v++) {
        const commit = readCommitSync(v);
        this.#applyFiles(commit);
        for (const txn of commit.txns) this.#txns.set(txn.appId, txn);
      }
      this.#pending = null;
      this.#pendingTxns = null;
      this.#source = { checkpoint: from, commitsReplayed: this.#version - (from ?? -1) };
    };
    for (const checkpoint of listing.checkpoints) { // newest first
      if (checkpoint.version >= damaged || !covered(checkpoint.version)) continue;
      let body: pl.DataFrame;
      try {
        body = readCheckpointBody(checkpoint.paths.map((p) => this.storage.localPath(p)!));
      } catch {
        continue;
      }
      rebuild(checkpoint.version, body);
      return;
    }
    if (covered(-1)) {
      rebuild(null, null);
      return;
    }
    throw new Error(
      `Cannot read the files of ${this.tablePath} at version ${this.#version}: checkpoint ` +
        `${damaged} is damaged and no older checkpoint or JSON commits cover it`,
      { cause },
    );
  }

  #applyFiles(commit: Commit): void {
    for (const remove of commit.removes) {
      const key = decodeAddPath(remove.path);
      this.#adds.delete(key);
      this.#removes.set(key, remove);
    }
    for (const add of commit.adds) {
      const key = decodeAddPath(add.path);
      if (add.deletionVector && (add.deletionVector as { storageType?: unknown }).storageType) {
        throw new UnsupportedTableError(
          `Cannot read table at ${this.tablePath}: file ${add.path} has a deletion vector, ` +
            "which pinstream does not support",
        );
      }
      this.#adds.set(key, add);
      this.#removes.delete(key);
    }
  }

  #assertReadable(): void {
    const where = `table at ${this.tablePath}`;
    if (!this.#protocol || !this.#metadata) {
      throw new Error(`Cannot read ${where}: its log has no protocol or metaData action`);
    }
    const { minReaderVersion, readerFeatures } = this.#protocol;
    if (minReaderVersion > 3) {
      throw new UnsupportedTableError(
        `Cannot read ${where}: it needs reader version ${minReaderVersion}, ` +
          "and pinstream reads version 1 tables",
      );
    }
    if (minReaderVersion === 3) {
      const missing = (readerFeatures ?? []).filter((f) => !SUPPORTED_READER_FEATURES.has(f));
      if (missing.length > 0) {
        throw new UnsupportedTableError(
          `Cannot read ${where}: it needs reader features ${missing.join(", ")}, ` +
            "and pinstream reads version 1 tables without features",
        );
      }
    }
    const mapping = this.#metadata.configuration?.["delta.columnMapping.mode"];
    if (minReaderVersion === 2 && mapping && mapping !== "none") {
      throw new UnsupportedTableError(
        `Cannot read ${where}: it uses column mapping (${mapping}), which pinstream does not support`,
      );
    }
    for (const field of this.#schema!.fields) {
      if (typeNames(field.type).includes("timestamp_ntz")) {
        throw new UnsupportedTableError(
          `Cannot read ${where}: column "${field.name}" is timestamp_ntz, which pinstream does not support`,
        );
      }
    }
  }
}

function toEpochMs(timestamp: Date | number | string): number {
  const ms = timestamp instanceof Date
    ? timestamp.getTime()
    : typeof timestamp === "number"
    ? timestamp
    : Date.parse(timestamp);
  if (!Number.isFinite(ms)) {
    throw new RangeError(`Cannot time travel to "${String(timestamp)}": not a valid timestamp`);
  }
  return ms;
}

/** The commit timestamp of a version: commitInfo.timestamp, else the file's mtime (ms). */
export function commitTimestamp(
  commitInfo: CommitInfoAction | undefined,
  mtime: number | null,
): number {
  if (typeof commitInfo?.timestamp === "number") return commitInfo.timestamp;
  return mtime ?? 0;
}

/**
 * The newest version whose commit timestamp is at or before `timestamp`;
 * a `RangeError` when the timestamp is before the oldest available commit.
 */
export async function versionAtTimestamp(
  storage: Storage,
  timestamp: Date | number | string,
  commits: number[],
): Promise<number> {
  const ms = toEpochMs(timestamp);
  let found = -1;
  let oldest: number | undefined;
  for (const version of commits) {
    const commit = await readCommit(storage, version);
    if (!commit) continue;
    const at = typeof commit.commitInfo?.timestamp === "number"
      ? commit.commitInfo.timestamp
      : commitTimestamp(
        commit.commitInfo,
        (await storage.stat(logPath(commitFileName(version))))?.lastModified ?? null,
      );
    oldest ??= at;
    if (at <= ms) found = version;
    else break;
  }
  if (found < 0) {
    throw new RangeError(
      `Cannot time travel to ${new Date(ms).toISOString()}: it is before the first commit` +
        (oldest !== undefined ? ` (${new Date(oldest).toISOString()})` : ""),
    );
  }
  return found;
}
