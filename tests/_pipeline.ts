/**
 * Shared helpers of the end-to-end pipeline tests (`deno task stream` on
 * disk and on S3): the rows a seeded run posts, running the CLI in its own
 * process, and checking the silver and gold tables against the batch
 * answers. The lakehouse may be a path or `s3://bucket/prefix`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { Catalog } from "../lib/catalog.ts";
import { computeGold, GOLD_NAMES, goldTableName, readSilverTables } from "../lib/analytics/mod.ts";
import { cleanGeo, cleanPin, cleanUser, rawFrame } from "../lib/clean/mod.ts";
import { mulberry32, readSource, type SourceTables } from "../lib/data/mod.ts";
import { RECORD_KINDS, type RecordKind } from "../lib/records.ts";
import { ROOT } from "./_helpers.ts";

const CLEAN = { pin: cleanPin, geo: cleanGeo, user: cleanUser } as const;

/** The user id `deno task stream` uses by default. */
export const STREAM_USER = "12c0d092d679";

/** Rows as canonical JSON strings, so frames compare as multisets. */
export function canonicalRows(df: pl.DataFrame): string[] {
  return df.toRecords().map((r) =>
    JSON.stringify(
      r,
      (_k, v) => typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString() : v,
    )
  ).sort();
}

/**
 * The rows a `deno task stream --count N --rate R --seed S` run posts to
 * each stream, from the seed alone: the emitter draws each row's index
 * with mulberry32(seed) (with replacement), and with a rate it draws
 * nothing else.
 */
export function seededRows(
  source: SourceTables,
  kind: RecordKind,
  seed: number,
  count: number,
): Record<string, unknown>[] {
  const random = mulberry32(seed);
  return Array.from(
    { length: count },
    () => source[kind][Math.floor(random() * source.pin.length)] as Record<string, unknown>,
  );
}

/**
 * Runs `deno task stream` in `cwd` and returns its stdout, failing on a
 * non-zero exit. The lakehouse and checkpoints default to `cwd`'s
 * `lakehouse` and `checkpoints`; `env` adds to or overrides them.
 */
export async function runStream(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli/stream.ts"), ...args],
    cwd,
    env: {
      LAKEHOUSE_DIR: join(cwd, "lakehouse"),
      CHECKPOINT_DIR: join(cwd, "checkpoints"),
      DASHBOARD_PORT: "0",
      NO_COLOR: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
  return stdout;
}

/** Asserts that each silver table holds exactly the rows that cleaning the seeds' rows in batch gives. */
export async function assertTablesHold(lakehouse: string, seeds: number[], count: number) {
  const source = await readSource(join(ROOT, "data/pinterest"));
  const catalog = new Catalog({ lakehouseDir: lakehouse });
  for (const kind of RECORD_KINDS as readonly RecordKind[]) {
    const got = await (await catalog.open(`${STREAM_USER}_${kind}_table`)).read();
    assert.equal(got.height, seeds.length * count, kind);
    const rows = seeds.flatMap((seed) => seededRows(source, kind, seed, count));
    const expected = (await CLEAN[kind](rawFrame(kind, rows))).df;
    assert.deepEqual(canonicalRows(got), canonicalRows(expected), kind);
  }
}

/**
 * Asserts that each gold table equals the batch answer (`computeGold`) over
 * the silver tables as they are now, and that none is empty.
 */
export async function assertGoldMatchesSilver(lakehouse: string): Promise<void> {
  const catalog = new Catalog({ lakehouseDir: lakehouse });
  const answers = computeGold(await readSilverTables(catalog, STREAM_USER));
  for (const name of GOLD_NAMES) {
    const gold = await (await catalog.open(goldTableName(STREAM_USER, name))).read();
    assert.ok(answers[name].height > 0, `${name}: no answer`);
    assert.deepEqual(canonicalRows(gold), canonicalRows(answers[name]), name);
  }
}
