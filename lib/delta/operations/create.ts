/**
 * CREATE TABLE: validates the schema, partitioning and properties, and
 * writes version 0 (protocol 1/2, metaData, commitInfo) only if no table
 * is there.
 *
 * @module
 */
import { listLog } from "../log.ts";
import {
  type DeltaStructType,
  formatDeltaType,
  type PolarsSchema,
  polarsSchemaToDelta,
} from "../schema.ts";
import { buildCommitInfo, commitActions, writeCommitFile } from "../transaction.ts";
import { TableExistsError } from "../errors.ts";
import type { Storage } from "../storage/mod.ts";

/** What a new table records besides its schema. */
export interface NewTableSettings {
  /** Partition columns. */
  partitionColumns: string[];
  /** Table properties (string values). */
  configuration: Record<string, string>;
  /** Table name, if any. */
  name?: string;
  /** Table description, if any. */
  description?: string;
  /** The time of creation, epoch milliseconds. */
  now: number;
}

/**
 * Writes version 0 of a new table in `storage` at `settings.now`.
 * Throws `TypeError` for a bad partitioning or property and
 * `TableExistsError` when a table is already there.
 */
export async function createTableLog(
  storage: Storage,
  schema: PolarsSchema | DeltaStructType,
  settings: NewTableSettings,
): Promise<void> {
  const { partitionColumns, configuration, name, description, now } = settings;
  const path = storage.location;
  const deltaSchema = (schema as DeltaStructType).type === "struct" &&
      Array.isArray((schema as DeltaStructType).fields)
    ? schema as DeltaStructType
    : polarsSchemaToDelta(schema as PolarsSchema);
  const columns = new Map(deltaSchema.fields.map((f) => [f.name, f]));
  for (const column of partitionColumns) {
    const field = columns.get(column);
    if (!field) {
      throw new TypeError(
        `Cannot partition by "${column}": the schema has no such column`,
      );
    }
    if (typeof field.type !== "string") {
      throw new TypeError(
        `Cannot partition by "${column}": its type ${formatDeltaType(field.type)} is not primitive`,
      );
    }
  }
  if (partitionColumns.length >= deltaSchema.fields.length) {
    throw new TypeError(
      "Cannot create a table partitioned by every column: no data would remain",
    );
  }
  for (const [key, value] of Object.entries(configuration)) {
    if (typeof value !== "string") {
      throw new TypeError(`Cannot set table property "${key}": values must be strings`);
    }
  }
  const listing = await listLog(storage);
  if (listing && (listing.commits.length > 0 || listing.checkpoints.length > 0)) {
    throw new TableExistsError(`Cannot create table at ${path}: a table already exists there`);
  }
  const metaData = {
    id: crypto.randomUUID(),
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    format: { provider: "parquet", options: {} },
    schemaString: JSON.stringify(deltaSchema),
    partitionColumns,
    configuration,
    createdTime: now,
  };
  const commitInfo = buildCommitInfo({
    operation: "CREATE TABLE",
    operationParameters: {
      isManaged: "false",
      description: description ?? null,
      partitionBy: JSON.stringify(partitionColumns),
      properties: JSON.stringify(configuration),
    },
    isBlindAppend: true,
  }, () => now);
  const actions = commitActions(commitInfo, {
    protocol: { minReaderVersion: 1, minWriterVersion: 2 },
    metaData,
    adds: [],
    removes: [],
    txns: [],
  });
  if (!await writeCommitFile(storage, 0, actions)) {
    throw new TableExistsError(`Cannot create table at ${path}: a table already exists there`);
  }
}
