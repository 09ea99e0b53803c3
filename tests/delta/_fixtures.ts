/**
 * Frames shared by the Delta tests: one column of every supported type,
 * with nulls and empty lists.
 *
 * @module
 */
import pl from "nodejs-polars";

/** Rows of every supported type, including nulls and empty lists, starting at id `from`. */
export function everyTypeFrame(from = 0, rows = 3): pl.DataFrame {
  const ids = Array.from({ length: rows }, (_, i) => from + i);
  return pl.DataFrame({
    id: ids,
    small: ids.map((i) => (i % 3 === 2 ? null : i)),
    tiny: ids.map((i) => i % 100),
    word: ids.map((i) => (i % 3 === 1 ? null : `word-${i}`)),
    score: ids.map((i) => (i % 3 === 2 ? null : i / 4)),
    ratio: ids.map((i) => i / 2),
    flag: ids.map((i) => (i % 3 === 2 ? null : i % 2 === 0)),
    day: ids.map((i) => (i % 3 === 1 ? null : new Date(Date.UTC(2024, 0, 1 + i)))),
    at: ids.map((i) => (i % 3 === 1 ? null : new Date(Date.UTC(2024, 0, 1, 12, 0, i, 123)))),
    tags: ids.map((i, j) => (j % 3 === 0 ? [`t${i}`, "x"] : j % 3 === 1 ? [] : null)),
    counts: ids.map((i, j) => (j % 3 === 0 ? [i, i + 1] : j % 3 === 1 ? [] : null)),
  }).withColumns(
    pl.col("id").cast(pl.Int64),
    pl.col("small").cast(pl.Int32),
    pl.col("tiny").cast(pl.Int16),
    pl.col("ratio").cast(pl.Float32),
    pl.col("day").cast(pl.Date),
    pl.col("at").cast(pl.Datetime("us", "UTC")),
    pl.col("counts").cast(pl.List(pl.Int64)),
  );
}
