/**
 * A table's description, like `DESCRIBE DETAIL` plus the schema: what the
 * catalog and `deno task table describe` show.
 *
 * @module
 */
import pl from "nodejs-polars";
import type { Snapshot } from "./snapshot.ts";
import { formatDeltaType } from "./schema.ts";
import { parseStats } from "./stats.ts";
import { dataFileSource } from "./read.ts";
import { htmlTable, JUPYTER_DISPLAY } from "../jupyter.ts";

/** One column of a described table. */
export interface ColumnDescription {
  /** Column name. */
  name: string;
  /** Delta type in text form, e.g. `array<string>`. */
  type: string;
  /** Whether it may hold nulls. */
  nullable: boolean;
  /** Whether the table is partitioned by it. */
  partition: boolean;
}

/**
 * The description of a table at a version: schema, version, files, rows and
 * size. Renders as an HTML table in notebooks.
 */
export class TableDescription {
  /** The catalog name, e.g. `default.pins`, when opened through the catalog. */
  readonly name: string | null;
  /** The table root directory. */
  readonly path: string;
  /** The table id (`metaData.id`). */
  readonly id: string;
  /** The described version. */
  readonly version: number;
  /** The columns, in order. */
  readonly columns: ColumnDescription[];
  /** Partition columns. */
  readonly partitionColumns: string[];
  /** Table properties. */
  readonly configuration: Record<string, string>;
  /** Reader and writer versions, e.g. `1/2`. */
  readonly protocol: string;
  /** Number of live data files. */
  readonly files: number;
  /** Number of rows. */
  readonly rows: number;
  /** Total size of the live data files in bytes. */
  readonly sizeInBytes: number;
  /** When the table was created, if recorded. */
  readonly createdTime: Date | null;

  /** Makes a description from its fields. */
  constructor(fields: Omit<TableDescription, typeof JUPYTER_DISPLAY | "toString">) {
    this.name = fields.name;
    this.path = fields.path;
    this.id = fields.id;
    this.version = fields.version;
    this.columns = fields.columns;
    this.partitionColumns = fields.partitionColumns;
    this.configuration = fields.configuration;
    this.protocol = fields.protocol;
    this.files = fields.files;
    this.rows = fields.rows;
    this.sizeInBytes = fields.sizeInBytes;
    this.createdTime = fields.createdTime;
  }

  /** A plain-text form for terminals. */
  toString(): string {
    const lines = [
      `table:      ${this.name ?? this.path}`,
      `path:       ${this.path}`,
      `id:         ${this.id}`,
      `version:    ${this.version}`,
      `protocol:   ${this.protocol}`,
      `files:      ${this.files}`,
      `rows:       ${this.rows}`,
      `size:       ${this.sizeInBytes} bytes`,
      `created:    ${this.createdTime?.toISOString() ?? "unknown"}`,
      `partitions: ${this.partitionColumns.join(", ") || "(none)"}`,
      `properties: ${JSON.stringify(this.configuration)}`,
      "columns:",
      ...this.columns.map((c) =>
        `  ${c.name}: ${c.type}${c.nullable ? "" : " not null"}${c.partition ? " (partition)" : ""}`
      ),
    ];
    return lines.join("\n");
  }

  /** The notebook face: the details and the schema as HTML tables. */
  [JUPYTER_DISPLAY](): { "text/html": string } {
    const details = htmlTable(["property", "value"], [
      ["table", this.name ?? this.path],
      ["path", this.path],
      ["version", this.version],
      ["protocol", this.protocol],
      ["files", this.files],
      ["rows", this.rows],
      ["sizeInBytes", this.sizeInBytes],
      ["createdTime", this.createdTime],
      ["partitionColumns", this.partitionColumns],
      ["configuration", this.configuration],
    ]);
    const schema = htmlTable(
      ["column", "type", "nullable", "partition"],
      this.columns.map((c) => [c.name, c.type, c.nullable, c.partition]),
    );
    return { "text/html": details + schema };
  }
}

/**
 * Describes a snapshot. Rows come from file statistics; a file without
 * them is counted by reading it.
 */
export async function describeSnapshot(
  snapshot: Snapshot,
  name: string | null = null,
): Promise<TableDescription> {
  const files = snapshot.files;
  let rows = 0;
  for (const add of files) {
    const stats = parseStats(add.stats);
    rows += stats
      ? stats.numRecords
      : pl.readParquet(await dataFileSource(snapshot.storage, add.path)).height;
  }
  const partitions = new Set(snapshot.partitionColumns);
  const { protocol, metadata } = snapshot;
  return new TableDescription({
    name,
    path: snapshot.tablePath,
    id: metadata.id,
    version: snapshot.version,
    columns: snapshot.schema.fields.map((f) => ({
      name: f.name,
      type: formatDeltaType(f.type),
      nullable: f.nullable,
      partition: partitions.has(f.name),
    })),
    partitionColumns: snapshot.partitionColumns,
    configuration: snapshot.configuration,
    protocol: `${protocol.minReaderVersion}/${protocol.minWriterVersion}`,
    files: files.length,
    rows,
    sizeInBytes: files.reduce((sum, f) => sum + (f.size ?? 0), 0),
    createdTime: typeof metadata.createdTime === "number" ? new Date(metadata.createdTime) : null,
  });
}
