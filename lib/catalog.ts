/**
 * The table catalog: names like `default.<name>` map to directories
 * `<lakehouseDir>/default/<name>/` holding Delta tables; the lakehouse is a
 * directory or `s3://bucket/prefix`. Lists, describes,
 * opens, creates and drops tables by name. Names must match
 * `[A-Za-z0-9_]+`, so a name can never reach outside the lakehouse.
 *
 * @module
 */
import {
  type CreateTableOptions,
  deleteAll,
  type DeltaStructType,
  DeltaTable,
  isS3Location,
  joinLocation,
  openStorage,
  type PolarsSchema,
  resolveLocation,
  type TableDescription,
  TableNotFoundError,
} from "./delta/mod.ts";

/** The database tables go in when a name has none. */
export const DEFAULT_DATABASE = "default";
/** The lakehouse directory when neither the option nor `LAKEHOUSE_DIR` is set. */
export const DEFAULT_LAKEHOUSE_DIR = "./lakehouse";

const NAME_RE = /^[A-Za-z0-9_]+$/;

/** A parsed table name. */
export interface TableName {
  /** The database, `default` unless the name said otherwise. */
  database: string;
  /** The table's own name. */
  table: string;
  /** `<database>.<table>`. */
  qualified: string;
}

/**
 * Parses `name` or `database.name`; both parts must match `[A-Za-z0-9_]+`
 * (a `TypeError` otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTableName } from "./catalog.ts";
 * assert.equal(parseTableName("pins").qualified, "default.pins");
 * ```
 */
export function parseTableName(name: string): TableName {
  if (typeof name !== "string") {
    throw new TypeError("Cannot use a table name that is not a string");
  }
  const parts = name.split(".");
  const [database, table] = parts.length === 2 ? parts : [DEFAULT_DATABASE, parts[0]];
  if (parts.length > 2 || !NAME_RE.test(database ?? "") || !NAME_RE.test(table ?? "")) {
    throw new TypeError(
      `Cannot use table name "${name}": names must match [A-Za-z0-9_]+, ` +
        `optionally prefixed by a database such as "default."`,
    );
  }
  return { database: database!, table: table!, qualified: `${database}.${table}` };
}

/** Options of {@linkcode Catalog}. */
export interface CatalogOptions {
  /**
   * The lakehouse directory or `s3://bucket/prefix`. Default: env
   * `LAKEHOUSE_DIR`, else `./lakehouse`.
   */
  lakehouseDir?: string;
}

/**
 * Tables by name under a lakehouse directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { Catalog } from "./catalog.ts";
 * const lakehouseDir = await Deno.makeTempDir();
 * const catalog = new Catalog({ lakehouseDir });
 * await catalog.create("default.pins", { id: pl.Int64 });
 * assert.ok((await catalog.list()).includes("default.pins"));
 * await Deno.remove(lakehouseDir, { recursive: true });
 * ```
 */
export class Catalog {
  /** The lakehouse location (an absolute path or `s3://bucket/prefix`). */
  readonly lakehouseDir: string;

  /** Makes a catalog over `options.lakehouseDir`. */
  constructor(options: CatalogOptions = {}) {
    const {
      lakehouseDir = Deno.env.get("LAKEHOUSE_DIR") || DEFAULT_LAKEHOUSE_DIR,
    } = options;
    if (typeof lakehouseDir !== "string" || lakehouseDir === "") {
      throw new TypeError("Cannot make a catalog: lakehouseDir must be a non-empty string");
    }
    this.lakehouseDir = resolveLocation(lakehouseDir);
  }

  /** The location of table `name`: `<lakehouseDir>/<database>/<table>`. */
  tablePath(name: string): string {
    const { database, table } = parseTableName(name);
    return joinLocation(this.lakehouseDir, database, table);
  }

  /** Qualified names of the tables in `database` (default `default`), sorted. */
  async list(database: string = DEFAULT_DATABASE): Promise<string[]> {
    if (!NAME_RE.test(database)) {
      throw new TypeError(
        `Cannot list database "${database}": names must match [A-Za-z0-9_]+`,
      );
    }
    const names: string[] = [];
    if (isS3Location(this.lakehouseDir)) {
      const seen = new Set<string>();
      for (const file of await openStorage(this.lakehouseDir).list(`${database}/`)) {
        const m = /^[^/]+\/([^/]+)\/_delta_log\/\d{20}\.(json|checkpoint\.parquet)$/.exec(
          file.path,
        );
        if (m && NAME_RE.test(m[1]!)) seen.add(`${database}.${m[1]}`);
      }
      return [...seen].sort();
    }
    try {
      for await (const entry of Deno.readDir(joinLocation(this.lakehouseDir, database))) {
        if (!entry.isDirectory || !NAME_RE.test(entry.name)) continue;
        if (await DeltaTable.exists(joinLocation(this.lakehouseDir, database, entry.name))) {
          names.push(`${database}.${entry.name}`);
        }
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return names.sort();
  }

  /** True when table `name` exists. */
  exists(name: string): Promise<boolean> {
    return DeltaTable.exists(this.tablePath(name));
  }

  /** Opens table `name`; `TableNotFoundError` naming it when there is none. */
  async open(name: string): Promise<DeltaTable> {
    const path = this.tablePath(name);
    try {
      return await DeltaTable.open(path);
    } catch (error) {
      if (error instanceof TableNotFoundError) {
        throw new TableNotFoundError(
          `Cannot open table ${
            parseTableName(name).qualified
          }: it does not exist in ${this.lakehouseDir}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Creates table `name`; `TableExistsError` when it exists. */
  create(
    name: string,
    schema: PolarsSchema | DeltaStructType,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    const { table } = parseTableName(name);
    return DeltaTable.create(this.tablePath(name), schema, { name: table, ...options });
  }

  /** Opens table `name`, creating it first when it does not exist. */
  createIfNotExists(
    name: string,
    schema: PolarsSchema | DeltaStructType,
    options: CreateTableOptions = {},
  ): Promise<DeltaTable> {
    const { table } = parseTableName(name);
    return DeltaTable.createIfNotExists(this.tablePath(name), schema, { name: table, ...options });
  }

  /** Describes table `name`: schema, version, files, rows and size. */
  async describe(name: string): Promise<TableDescription> {
    const table = await this.open(name);
    return await table.describe(parseTableName(name).qualified);
  }

  /**
   * Drops table `name`: deletes its files, data and log. Returns false
   * when it did not exist. A location that is not a Delta table is left
   * alone (an `Error`).
   */
  async drop(name: string): Promise<boolean> {
    const path = this.tablePath(name);
    const storage = openStorage(path);
    if (!await DeltaTable.exists(storage)) {
      const local = storage.localPath("");
      if (local !== null) {
        try {
          await Deno.stat(local);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) return false;
          throw error;
        }
      } else if ((await storage.list("")).length === 0) return false;
      throw new Error(
        `Cannot drop ${
          parseTableName(name).qualified
        }: ${path} is not a Delta table, so it is left alone`,
      );
    }
    const local = storage.localPath("");
    if (local !== null) await Deno.remove(local, { recursive: true });
    else await deleteAll(storage);
    return true;
  }
}
