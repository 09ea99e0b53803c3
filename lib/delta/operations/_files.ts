/**
 * Helpers the operations share: file order and clean-up of files that
 * were written but never committed.
 *
 * @module
 */
import type { AddAction } from "../actions.ts";
import type { Snapshot } from "../snapshot.ts";
import { decodeAddPath } from "../partition.ts";

/** Files in write order: by modification time, then path. */
export function orderFiles(files: AddAction[]): AddAction[] {
  return files.slice().sort((a, b) =>
    (a.modificationTime - b.modificationTime) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

/** Deletes written files that no commit references (best effort: vacuum catches the rest). */
export async function deleteUncommitted(snapshot: Snapshot, adds: AddAction[]): Promise<void> {
  for (const add of adds) {
    if (snapshot.hasFile(add.path)) continue;
    await snapshot.storage.delete(decodeAddPath(add.path)).catch(() => {});
  }
}
