/**
 * Delta table schemas: the JSON schema format of the Delta protocol
 * («Schema Serialization Format») and its mapping to and from nodejs-polars
 * data types.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { DataType } from "nodejs-polars";

/** A Delta primitive type name, e.g. `long`, `timestamp` or `decimal(10,2)`. */
export type DeltaPrimitiveType = string;

/** A Delta `array` type. */
export interface DeltaArrayType {
  /** Always `array`. */
  type: "array";
  /** The type of the elements. */
  elementType: DeltaDataType;
  /** Whether elements may be null. */
  containsNull: boolean;
}

/** A Delta `map` type (read only in pinstream). */
export interface DeltaMapType {
  /** Always `map`. */
  type: "map";
  /** The type of the keys. */
  keyType: DeltaDataType;
  /** The type of the values. */
  valueType: DeltaDataType;
  /** Whether values may be null. */
  valueContainsNull: boolean;
}

/** One field of a Delta `struct`. */
export interface DeltaStructField {
  /** The column name. */
  name: string;
  /** The column type. */
  type: DeltaDataType;
  /** Whether the column may hold nulls. */
  nullable: boolean;
  /** Free-form field metadata (e.g. `delta.invariants`, which pinstream refuses). */
  metadata: Record<string, unknown>;
}

/** A Delta `struct` type; a table schema is one. */
export interface DeltaStructType {
  /** Always `struct`. */
  type: "struct";
  /** The fields, in column order. */
  fields: DeltaStructField[];
}

/** Any Delta data type. */
export type DeltaDataType = DeltaPrimitiveType | DeltaArrayType | DeltaMapType | DeltaStructType;

/** A Polars schema: column name to data type, as `df.schema` returns it. */
export type PolarsSchema = Record<string, DataType>;

const INTEGER_TYPES: Record<string, string> = {
  Int8: "byte",
  Int16: "short",
  Int32: "integer",
  Int64: "long",
};

/**
 * Converts a Polars data type to a Delta type, or throws a `TypeError` naming
 * `column` when Delta or pinstream's writer has no mapping for it. A
 * `Datetime` of any unit or zone maps to `timestamp` (UTC instants): the
 * writer casts the data to `Datetime("us", "UTC")`, so a zone-less column is
 * never written as `timestamp_ntz` by accident.
 */
export function polarsTypeToDelta(dtype: DataType, column: string): DeltaDataType {
  const variant = dtype.variant as string;
  if (variant in INTEGER_TYPES) return INTEGER_TYPES[variant] as string;
  switch (variant) {
    case "Float32":
      return "float";
    case "Float64":
      return "double";
    case "String":
    case "Utf8":
      return "string";
    case "Bool":
      return "boolean";
    case "Date":
      return "date";
    case "Datetime":
      return "timestamp";
    case "List": {
      const inner = (dtype as unknown as { inner: DataType[] }).inner[0];
      if (!inner) break;
      return {
        type: "array",
        elementType: polarsTypeToDelta(inner, `${column} element`),
        containsNull: true,
      };
    }
  }
  throw new TypeError(
    `Cannot map column "${column}" to a Delta type: ${String(dtype)} is not supported ` +
      "(supported: Int8, Int16, Int32, Int64, Float32, Float64, String, Bool, Date, Datetime, List)",
  );
}

/**
 * Builds a Delta table schema from a Polars schema (e.g. `df.schema`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { polarsSchemaToDelta } from "./schema.ts";
 * const schema = polarsSchemaToDelta({ id: pl.Int64, tags: pl.List(pl.Utf8) });
 * assert.equal(schema.fields[0]?.type, "long");
 * ```
 */
export function polarsSchemaToDelta(schema: PolarsSchema): DeltaStructType {
  if (typeof schema !== "object" || schema === null) {
    throw new TypeError("Cannot build a Delta schema: expected an object of column types");
  }
  const fields = Object.entries(schema).map(([name, dtype]) => ({
    name,
    type: polarsTypeToDelta(dtype, name),
    nullable: true,
    metadata: {},
  }));
  if (fields.length === 0) {
    throw new TypeError("Cannot build a Delta schema: it has no columns");
  }
  const seen = new Set<string>();
  for (const { name } of fields) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      throw new TypeError(
        `Cannot build a Delta schema: column "${name}" appears twice (names are case-insensitive)`,
      );
    }
    seen.add(lower);
  }
  return { type: "struct", fields };
}

/**
 * The Polars type pinstream reads and writes for a Delta type, or null when
 * values are left as the parquet reader returns them (binary, decimal, map,
 * struct).
 */
export function deltaTypeToPolars(type: DeltaDataType): DataType | null {
  if (typeof type === "string") {
    switch (type) {
      case "byte":
        return pl.Int8;
      case "short":
        return pl.Int16;
      case "integer":
        return pl.Int32;
      case "long":
        return pl.Int64;
      case "float":
        return pl.Float32;
      case "double":
        return pl.Float64;
      case "string":
        return pl.Utf8;
      case "boolean":
        return pl.Bool;
      case "date":
        return pl.Date;
      case "timestamp":
        return pl.Datetime("us", "UTC");
      default:
        return null;
    }
  }
  if (type.type === "array") {
    const inner = deltaTypeToPolars(type.elementType);
    return inner ? pl.List(inner) : null;
  }
  return null;
}

/** Parses `metaData.schemaString` into a struct type, checking its shape. */
export function parseSchemaString(schemaString: string): DeltaStructType {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schemaString);
  } catch (cause) {
    throw new TypeError("Cannot parse the table schema: schemaString is not JSON", { cause });
  }
  const schema = parsed as DeltaStructType;
  if (schema?.type !== "struct" || !Array.isArray(schema.fields)) {
    throw new TypeError("Cannot parse the table schema: it is not a struct with fields");
  }
  return schema;
}

/** A short text form of a Delta type, e.g. `array<string>`. */
export function formatDeltaType(type: DeltaDataType): string {
  if (typeof type === "string") return type;
  switch (type.type) {
    case "array":
      return `array<${formatDeltaType(type.elementType)}>`;
    case "map":
      return `map<${formatDeltaType(type.keyType)},${formatDeltaType(type.valueType)}>`;
    case "struct":
      return `struct<${type.fields.map((f) => `${f.name}:${formatDeltaType(f.type)}`).join(",")}>`;
  }
}

/** Every type name used anywhere in `type`, nested ones included. */
export function typeNames(type: DeltaDataType): string[] {
  if (typeof type === "string") return [type];
  switch (type.type) {
    case "array":
      return typeNames(type.elementType);
    case "map":
      return [...typeNames(type.keyType), ...typeNames(type.valueType)];
    case "struct":
      return type.fields.flatMap((f) => typeNames(f.type));
  }
}

/** True when two Delta types are the same (nullability aside). */
export function sameDeltaType(a: DeltaDataType, b: DeltaDataType): boolean {
  return formatDeltaType(a) === formatDeltaType(b);
}
