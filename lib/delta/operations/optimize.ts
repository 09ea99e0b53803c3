/**
 * OPTIMIZE over a snapshot: in each partition, files smaller than the
 * target are read and rewritten as files of about the target size, in one
 * commit of `remove` and `add` actions with `dataChange: false`.
 *
 * @module
 */
import type { AddAction, RemoveAction } from "../actions.ts";
import type { Snapshot } from "../snapshot.ts";
import { readDataFiles } from "../read.ts";
import { writeDataFiles } from "../write.ts";
import { commitTransaction } from "../transaction.ts";
import { assertFilesNotRemoved, assertMetadataUnchanged, assertWritable } from "../conflict.ts";
import { deleteUncommitted, orderFiles } from "./_files.ts";

/** Options of {@linkcode optimizeSnapshot}. */
export interface OptimizeOptions {
  /** Compact files smaller than this into files of about this size. Default `delta.targetFileSize` or 128 MiB. */
  targetFileSize?: number;
}

/** What an optimize did. */
export interface OptimizeResult {
  /** The version committed, or the table's version when there was nothing to do. */
  version: number;
  /** Files removed (compacted). */
  filesRemoved: number;
  /** Files added. */
  filesAdded: number;
  /** Rows rewritten. */
  rows: number;
}

/** Settings {@linkcode optimizeSnapshot} needs from its table. */
export interface OptimizeContext {
  /** Target file size in bytes. */
  targetFileSize: number;
  /** `delta.dataSkippingNumIndexedCols`. */
  numIndexedCols: number;
  /** The clock, epoch milliseconds. */
  now: () => number;
}

/**
 * Compacts the small files of `snapshot` (which should be current) and
 * commits with operation OPTIMIZE. Concurrent appends do not conflict; a
 * concurrent removal of a compacted file or a metadata change throws
 * `CommitConflictError`.
 */
export async function optimizeSnapshot(
  snapshot: Snapshot,
  context: OptimizeContext,
): Promise<OptimizeResult> {
  const { targetFileSize, numIndexedCols, now } = context;
  assertWritable(snapshot.protocol, snapshot.schema, snapshot.tablePath);
  const { schema, partitionColumns, storage } = snapshot;
  const groups = new Map<string, AddAction[]>();
  for (const add of orderFiles(snapshot.files)) {
    if (add.size >= targetFileSize) continue;
    const key = JSON.stringify(partitionColumns.map((c) => add.partitionValues?.[c] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), add]);
  }
  const removed: AddAction[] = [];
  const added: AddAction[] = [];
  let rows = 0;
  const what = `commit OPTIMIZE to ${snapshot.tablePath}`;
  try {
    for (const files of groups.values()) {
      if (files.length < 2) continue;
      const df = await readDataFiles(storage, schema, partitionColumns, files);
      rows += df.height;
      removed.push(...files);
      added.push(
        ...await writeDataFiles(storage, df, schema, partitionColumns, {
          targetFileSize,
          dataChange: false,
          numIndexedCols,
          now,
        }),
      );
    }
    if (removed.length === 0) {
      return { version: snapshot.version, filesRemoved: 0, filesAdded: 0, rows: 0 };
    }
    const deletionTimestamp = now();
    const removes: RemoveAction[] = removed.map((a) => ({
      path: a.path,
      deletionTimestamp,
      dataChange: false,
      extendedFileMetadata: true,
      partitionValues: a.partitionValues,
      size: a.size,
    }));
    const version = await commitTransaction(snapshot, { adds: added, removes, txns: [] }, {
      info: {
        operation: "OPTIMIZE",
        operationParameters: { predicate: "[]", targetSize: String(targetFileSize) },
        isolationLevel: "SnapshotIsolation",
        isBlindAppend: false,
        operationMetrics: {
          numRemovedFiles: removed.length,
          numAddedFiles: added.length,
          numRemovedBytes: removed.reduce((s, a) => s + a.size, 0),
          numAddedBytes: added.reduce((s, a) => s + a.size, 0),
        },
      },
      maxAttempts: 10,
      check: (winner) => {
        assertFilesNotRemoved(winner, removes, what);
        assertMetadataUnchanged(winner, what);
        return false;
      },
      now,
    });
    return {
      version: version!,
      filesRemoved: removed.length,
      filesAdded: added.length,
      rows,
    };
  } catch (error) {
    await deleteUncommitted(snapshot, added);
    throw error;
  }
}
