/**
 * Helpers for the clean tests: schemas as text, one-column cleaning, and
 * the real rows of `../shared`.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { SHARED_DIR } from "../_helpers.ts";
import type { CleanResult, Schema } from "../../lib/clean/mod.ts";

/** A schema as `[column, type]` pairs, in order, e.g. `["ind", "Int64"]`. */
export function describe(schema: Schema): [string, string][] {
  return Object.entries(schema).map(([name, dtype]) => [
    name,
    String(dtype).replaceAll("DataType(", "").replaceAll(")", ""),
  ]);
}

/** The values of `column` in the cleaned frame. */
export function values(result: CleanResult, column: string): unknown[] {
  return result.df.getColumn(column).toArray();
}

/** A one-row-per-value frame with `column` as a string column and an id column. */
export function stringFrame(id: string, column: string, texts: (string | null)[]): pl.DataFrame {
  return pl.DataFrame([
    pl.Series(id, texts.map((_, i) => i), pl.Int64),
    pl.Series(column, texts, pl.String),
  ]);
}

/** The parsed records of `../shared/data/pinterest/<file>` (main and partial). */
export async function sharedRecords(kind: "pin" | "geo" | "user"): Promise<object[]> {
  if (!SHARED_DIR) throw new Error("Cannot read the real rows: ../shared is absent");
  const dir = join(SHARED_DIR, "data", "pinterest");
  const records: object[] = [];
  for (const path of [join(dir, `${kind}.ndjson`), join(dir, "partial", `${kind}.ndjson`)]) {
    const text = await Deno.readTextFile(path);
    for (const line of text.split("\n")) if (line.trim()) records.push(JSON.parse(line));
  }
  return records;
}
