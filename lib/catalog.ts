/**
 * The table catalog: names like `default.<name>` map to directories
 * `<lakehouseDir>/default/<name>/` holding Delta tables. Lists, describes,
 * opens, creates and drops tables by name. Names must match
 * `[A-Za-z0-9_]+`, so a name can never reach outside the lakehouse.
 *
 * @module
 */
import { join, resolve } from "node:path";
import {
  type CreateTableOptions,
  type DeltaStructType,
  DeltaTable,
  type PolarsSchema,
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
   * The lakehouse directory. Default: env `LAKEHOUSE_DIR`, else `./lakehouse`.
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
  /** The lakehouse directory (absolute). */
  readonly lakehouseDir: string;

  /** Makes a catalog over `options.lakehouseDir`. */
  constructor(options: CatalogOptions = {}) {
    const {
      lakehouseDir = Deno.env.get("LAKEHOUSE_DIR") || DEFAULT_LAKEHOUSE_DIR,
    } = options;
    if (typeof lakehouseDir !== "string" || lakehouseDir === "") {
      throw new TypeError("Cannot make a catalog: lakehouseDir must be a non-empty string");
    }
    this.lakehouseDir = resolve(lakehouseDir);
  }

  /** The directory of table `name`: `<lakehouseDir>/<database>/<table>`. */
  tablePath(name: string): string {
    const { database, table } = parseTableName(name);
    return join(this.lakehouseDir, database, table);
  }

  /** Qualified names of the tables in `database` (default `default`), sorted. */
  async list(database: string = DEFAULT_DATABASE): Promise<string[]> {
    if (!NAME_RE.test(database)) {
      throw new TypeError(
        `Cannot list database "${database}": names must match [A-Za-z0-9_]+`,
      );
    }
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(join(this.lakehouseDir, database))) {
        if (!entry.isDirectory || !NAME_RE.test(entry.name)) continue;
        if (await DeltaTable.exists(join(this.lakehouseDir, database, entry.name))) {
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
   * Drops table `name`: deletes its directory, data and log. Returns false
   * when it did not exist. A directory that is not a Delta table is left
   * alone (an `Error`).
   */
  async drop(name: string): Promise<boolean> {
    const path = this.tablePath(name);
    if (!await DeltaTable.exists(path)) {
      try {
        await Deno.stat(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        throw error;
      }
      throw new Error(
        `Cannot drop ${
          parseTableName(name).qualified
        }: ${path} is not a Delta table, so it is left alone`,
      );
    }
    await Deno.remove(path, { recursive: true });
    return true;
  }
}
