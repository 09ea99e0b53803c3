/**
 * Named conflict checks: what a writer that lost the race for a version
 * looks at in each winning commit before it tries the next version
 * (delta-rs `conflict_checker.rs` in spirit). A check throws
 * `CommitConflictError` to give up, or answers a question about the winner.
 *
 * @module
 */
import type { AddAction, Commit, ProtocolAction, RemoveAction } from "./actions.ts";
import type { DeltaStructType } from "./schema.ts";
import { decodeAddPath } from "./partition.ts";
import { CommitConflictError, UnsupportedTableError } from "./errors.ts";

/** Throws when the winner changed the table's schema (its `metaData.schemaString`). */
export function assertSchemaUnchanged(
  winner: Commit,
  schemaString: string,
  what: string,
): void {
  if (winner.metaData && winner.metaData.schemaString !== schemaString) {
    throw new CommitConflictError(`Cannot ${what}: another writer changed the table's schema`);
  }
}

/** Throws when the winner changed the table's metadata or protocol at all. */
export function assertMetadataUnchanged(winner: Commit, what: string): void {
  if (winner.metaData || winner.protocol) {
    throw new CommitConflictError(`Cannot ${what}: another writer changed the table's metadata`);
  }
}

/**
 * True when the winner already committed this batch: a `txn` of `appId`
 * at `version` or above.
 */
export function txnAlreadyCommitted(
  winner: Commit,
  txn: { appId: string; version: number } | undefined,
): boolean {
  return !!txn && winner.txns.some((t) => t.appId === txn.appId && t.version >= txn.version);
}

/** Throws when the winner removed one of the files this commit removes. */
export function assertFilesNotRemoved(
  winner: Commit,
  removes: Array<RemoveAction | AddAction>,
  what: string,
): void {
  if (removes.length === 0 || winner.removes.length === 0) return;
  const ours = new Set(removes.map((r) => decodeAddPath(r.path)));
  if (winner.removes.some((r) => ours.has(decodeAddPath(r.path)))) {
    throw new CommitConflictError(`Cannot ${what}: another writer removed a file it removes`);
  }
}

/**
 * Throws when the winner added data (`dataChange: true`): a commit that
 * replaces every file it read would otherwise keep rows it never saw.
 */
export function assertNoConcurrentAppend(winner: Commit, what: string): void {
  if (winner.adds.some((a) => a.dataChange !== false)) {
    throw new CommitConflictError(`Cannot ${what}: another writer added data meanwhile`);
  }
}

/**
 * Throws `UnsupportedTableError` when pinstream may not write the table:
 * a protocol above 1/2, table features, or column invariants.
 */
export function assertWritable(
  protocol: ProtocolAction,
  schema: DeltaStructType,
  tablePath: string,
): void {
  const { minReaderVersion, minWriterVersion, readerFeatures, writerFeatures } = protocol;
  if (minReaderVersion > 1 || minWriterVersion > 2 || readerFeatures || writerFeatures) {
    throw new UnsupportedTableError(
      `Cannot write to ${tablePath}: it needs protocol ${minReaderVersion}/${minWriterVersion}` +
        `${writerFeatures ? ` with features ${writerFeatures.join(", ")}` : ""}, ` +
        "and pinstream writes protocol 1/2 only",
    );
  }
  for (const field of schema.fields) {
    if (field.metadata && "delta.invariants" in field.metadata) {
      throw new UnsupportedTableError(
        `Cannot write to ${tablePath}: column "${field.name}" has an invariant, ` +
          "which pinstream does not enforce",
      );
    }
  }
}
