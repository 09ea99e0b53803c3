/**
 * Reading data files into a Polars DataFrame in the table's schema:
 * partition columns come from the log (never from the files), columns a
 * file lacks are null, and every column is cast to the table's type
 * (timestamps to UTC instants, `Datetime("us", "UTC")`).
 *
 * @module
 */
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import type { AddAction } from "./actions.ts";
import { decodeAddPath, parsePartitionValue } from "./partition.ts";
import { type DeltaDataType, type DeltaStructType, deltaTypeToPolars } from "./schema.ts";
import { joinLocation, type Storage } from "./storage/mod.ts";

/**
 * The location of a data file named by an add or remove action: an
 * absolute path or `s3://` URL.
 */
export function dataFilePath(tablePath: string, path: string): string {
  if (/^file:/i.test(path)) return fileURLToPath(path);
  const relative = decodeAddPath(path);
  return isAbsolute(relative) ? relative : joinLocation(tablePath, relative);
}

/**
 * What Polars reads for a data file: its local path, or its bytes
 * downloaded from a remote store. Throws when it does not exist.
 */
export async function dataFileSource(storage: Storage, path: string): Promise<string | Buffer> {
  if (/^file:/i.test(path)) return fileURLToPath(path);
  const relative = decodeAddPath(path);
  if (isAbsolute(relative)) return relative;
  const local = storage.localPath(relative);
  if (local !== null) return local;
  const bytes = await storage.read(relative);
  if (bytes === null) throw new Error(`Cannot read data file ${path}: it does not exist`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function partitionLiteral(text: string | null | undefined, type: DeltaDataType): pl.Expr {
  const dtype = deltaTypeToPolars(type);
  const value = parsePartitionValue(text, type);
  if (value === null) return dtype ? pl.lit(null).cast(dtype) : pl.lit(null);
  if (type === "timestamp") return pl.lit(value).cast(pl.Int64).cast(pl.Datetime("us", "UTC"));
  if (type === "date") return pl.lit(value).cast(pl.Int32).cast(pl.Date);
  if (typeof value === "bigint") return pl.lit(value.toString()).cast(pl.Int64);
  return dtype ? pl.lit(value).cast(dtype) : pl.lit(value);
}

/** An empty DataFrame with the table's columns. */
export function emptyFrame(schema: DeltaStructType): pl.DataFrame {
  const columns = schema.fields.map((field) => {
    const dtype = deltaTypeToPolars(field.type) ?? pl.Utf8;
    return pl.lit(null).cast(dtype).alias(field.name);
  });
  return pl.DataFrame({ row: [0] }).select(...columns).slice(0, 0);
}

/**
 * Reads one data file as the table's schema (columns in schema order).
 */
export async function readDataFile(
  storage: Storage,
  schema: DeltaStructType,
  partitionColumns: string[],
  add: AddAction,
): Promise<pl.DataFrame> {
  let df: pl.DataFrame;
  try {
    df = pl.readParquet(await dataFileSource(storage, add.path));
  } catch (cause) {
    throw new Error(`Cannot read data file ${add.path}: ${String(cause)}`, { cause });
  }
  const present = new Set(df.columns);
  const partitioned = new Set(partitionColumns);
  const literals: pl.Expr[] = [];
  for (const field of schema.fields) {
    if (partitioned.has(field.name)) {
      literals.push(
        partitionLiteral(add.partitionValues?.[field.name], field.type).alias(field.name),
      );
    } else if (!present.has(field.name)) {
      const dtype = deltaTypeToPolars(field.type);
      literals.push((dtype ? pl.lit(null).cast(dtype) : pl.lit(null)).alias(field.name));
    }
  }
  if (literals.length > 0) df = df.withColumns(...literals);
  return df.select(...schema.fields.map((field) => {
    const dtype = partitioned.has(field.name) ? null : deltaTypeToPolars(field.type);
    return dtype ? pl.col(field.name).cast(dtype) : pl.col(field.name);
  }));
}

/**
 * Reads data files into one DataFrame in the table's schema, in the order
 * given. Empty files are skipped; no files gives an empty frame.
 */
export async function readDataFiles(
  storage: Storage,
  schema: DeltaStructType,
  partitionColumns: string[],
  adds: AddAction[],
): Promise<pl.DataFrame> {
  const frames: pl.DataFrame[] = [];
  for (const add of adds) {
    const df = await readDataFile(storage, schema, partitionColumns, add);
    if (df.height > 0) frames.push(df);
  }
  if (frames.length === 0) return emptyFrame(schema);
  if (frames.length === 1) return frames[0]!;
  return pl.concat(frames, { how: "vertical" });
}
