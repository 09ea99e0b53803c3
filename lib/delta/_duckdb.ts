/**
 * One in-memory DuckDB instance per process, shared by the checkpoint
 * writer and reader (DuckDB writes the parquet MAP columns that Polars
 * cannot).
 *
 * @module
 */
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";

let instance: Promise<DuckDBInstance> | null = null;

/** Runs `fn` with a fresh connection to the shared instance, closed afterwards. */
export async function withDuckDB<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  instance ??= DuckDBInstance.create(":memory:", { threads: "2" });
  const con = await (await instance).connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
  }
}

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
