/**
 * Writing data files: casting a DataFrame to the table's schema, splitting
 * it by partition and by target file size, writing snappy parquet files
 * named `part-<n>-<uuid>-c000.snappy.parquet`, and describing each as an
 * `add` action with statistics.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import { type DeltaStructType, deltaTypeToPolars, formatDeltaType } from "./schema.ts";
import { computeStats } from "./stats.ts";
import {
  encodeAddPath,
  formatDateDays,
  formatTimestampMicros,
  partitionDirectory,
} from "./partition.ts";
import type { Storage } from "./storage/mod.ts";

/** Default target size of a data file: 128 MiB. */
export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

/**
 * Casts `df` to the table's schema, in schema order: each column to its
 * Polars type (a `Datetime` of any unit or zone to `Datetime("us", "UTC")`),
 * a missing nullable column filled with nulls. Throws a `TypeError` naming
 * the column for an unknown or missing column, a value that does not fit
 * its type, or a null in a non-nullable column.
 */
export function conformToSchema(df: pl.DataFrame, schema: DeltaStructType): pl.DataFrame {
  const known = new Set(schema.fields.map((f) => f.name));
  for (const column of df.columns) {
    if (!known.has(column)) {
      throw new TypeError(
        `Cannot write column "${column}": the table has no such column ` +
          `(columns: ${[...known].join(", ")})`,
      );
    }
  }
  const present = new Set(df.columns);
  const exprs = schema.fields.map((field) => {
    const dtype = deltaTypeToPolars(field.type);
    if (!dtype) {
      throw new TypeError(
        `Cannot write column "${field.name}": type ${
          formatDeltaType(field.type)
        } is not supported by the writer`,
      );
    }
    if (!present.has(field.name)) {
      if (!field.nullable) {
        throw new TypeError(`Cannot write rows: non-nullable column "${field.name}" is missing`);
      }
      return pl.lit(null).cast(dtype).alias(field.name);
    }
    return pl.col(field.name).cast(dtype, true).alias(field.name);
  });
  let out: pl.DataFrame;
  try {
    out = df.select(...exprs);
  } catch (cause) {
    throw new TypeError(`Cannot write rows: a column does not fit its table type (${cause})`, {
      cause,
    });
  }
  const required = schema.fields.filter((f) => !f.nullable);
  if (required.length > 0 && out.height > 0) {
    const counts = out.select(...required.map((f) => pl.col(f.name).nullCount())).toRecords()[0];
    for (const field of required) {
      if (Number(counts?.[field.name] ?? 0) > 0) {
        throw new TypeError(`Cannot write rows: non-nullable column "${field.name}" holds nulls`);
      }
    }
  }
  return out;
}

function partitionValues(
  part: pl.DataFrame,
  schema: DeltaStructType,
  partitionColumns: string[],
): Record<string, string | null> {
  const types = new Map(schema.fields.map((f) => [f.name, f.type]));
  const exprs = partitionColumns.map((name) => {
    const type = types.get(name);
    const col = pl.col(name).first();
    if (type === "timestamp") return col.cast(pl.Int64).alias(name);
    if (type === "date") return col.cast(pl.Int32).alias(name);
    if (type === "boolean") return col.alias(name);
    return col.cast(pl.Utf8).alias(name);
  });
  const row = part.select(...exprs).toRecords()[0] ?? {};
  const values: Record<string, string | null> = {};
  for (const name of partitionColumns) {
    const value = row[name];
    const type = types.get(name);
    if (value === null || value === undefined) values[name] = null;
    else if (type === "timestamp") values[name] = formatTimestampMicros(Number(value));
    else if (type === "date") values[name] = formatDateDays(Number(value));
    else values[name] = String(value);
  }
  return values;
}

function estimatedBytes(df: pl.DataFrame, schema: DeltaStructType, skip: Set<string>): number {
  const exprs: pl.Expr[] = [];
  let fixed = 0;
  for (const field of schema.fields) {
    if (skip.has(field.name)) continue;
    if (field.type === "string") exprs.push(pl.col(field.name).str.lengths().cast(pl.Int64).sum());
    else if (typeof field.type === "object") {
      exprs.push(pl.col(field.name).lst.lengths().sum().mul(8));
    } else fixed += 8;
  }
  let variable = 0;
  if (exprs.length > 0 && df.height > 0) {
    const row = df.select(...exprs.map((e, i) => e.alias(`b${i}`))).toRecords()[0] ?? {};
    for (const value of Object.values(row)) variable += Number(value ?? 0);
  }
  return fixed * df.height + variable;
}

/** Options of {@linkcode writeDataFiles}. */
export interface WriteDataFilesOptions {
  /** Aim for files of about this many bytes (estimated before compression). Default 128 MiB. */
  targetFileSize?: number;
  /** `add.dataChange`: true for appends, false for compaction. Default true. */
  dataChange?: boolean;
  /** Columns with statistics (`delta.dataSkippingNumIndexedCols`). Default 32. */
  numIndexedCols?: number;
  /** The clock for `add.modificationTime`, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * Writes `df` (already conformed to `schema`) as parquet files into
 * `storage` (each built in memory, then stored, durably) and returns their
 * `add` actions. Partition columns are not
 * stored in the files; files of a partitioned table go in hive-style
 * directories. Nothing is committed: until a commit adds them, readers
 * never see these files.
 */
export async function writeDataFiles(
  storage: Storage,
  df: pl.DataFrame,
  schema: DeltaStructType,
  partitionColumns: string[],
  options: WriteDataFilesOptions = {},
): Promise<AddAction[]> {
  const {
    targetFileSize = DEFAULT_TARGET_FILE_SIZE,
    dataChange = true,
    numIndexedCols = 32,
    now = Date.now,
  } = options;
  if (!(targetFileSize > 0)) {
    throw new RangeError(`Cannot write files of ${targetFileSize} bytes: the size must be > 0`);
  }
  const partitioned = new Set(partitionColumns);
  const dataFields = schema.fields.filter((f) => !partitioned.has(f.name));
  const parts = partitionColumns.length > 0 && df.height > 0
    ? df.partitionBy(partitionColumns, true, true)
    : [df];
  const adds: AddAction[] = [];
  let fileIndex = 0;
  for (const part of parts) {
    const values = partitionColumns.length > 0
      ? partitionValues(part, schema, partitionColumns)
      : {};
    const data = partitionColumns.length > 0 ? part.drop(partitionColumns) : part;
    const bytes = estimatedBytes(data, schema, partitioned);
    const chunks = Math.max(1, Math.ceil(bytes / targetFileSize));
    const rowsPerChunk = Math.max(1, Math.ceil(data.height / chunks));
    const dir = partitionDirectory(partitionColumns, values);
    for (let offset = 0; offset < Math.max(1, data.height); offset += rowsPerChunk) {
      const chunk = chunks === 1 ? data : data.slice(offset, rowsPerChunk);
      const name = `part-${String(fileIndex++).padStart(5, "0")}-${crypto.randomUUID()}` +
        "-c000.snappy.parquet";
      const relative = `${dir}${name}`;
      const bytes = chunk.writeParquet({ compression: "snappy" });
      await storage.write(relative, bytes);
      adds.push({
        path: encodeAddPath(relative),
        partitionValues: values,
        size: bytes.length,
        modificationTime: now(),
        dataChange,
        stats: computeStats(chunk, dataFields, { numIndexedCols }),
      });
    }
  }
  return adds;
}
