/**
 * `deno task bench [produce|clean|delta|stream|analytics ...] [-- options]`: runs the
 * named benchmarks (all of them by default) and prints their figures. Each
 * benchmark measures a reference in the same run and prints the ratio.
 *
 * @module
 */
import { runMain, UsageError } from "../cli/_args.ts";

const BENCHES = {
  produce: "records/s into Kinesis through the API proxy vs the SDK directly; added latency",
  clean: "cleaning 1,000,000 pin rows with Polars vs the same SQL in DuckDB",
  delta:
    "Delta append throughput; snapshot load and streaming append at 10 vs 1,000 commits; local disk vs local S3",
  stream: "sustained rate with freshness, drain rate and memory of the streaming queries",
  analytics: "the nine gold answers from 100,000 silver rows per table, Polars vs DuckDB SQL",
} as const;
type BenchName = keyof typeof BENCHES;

await runMain(async () => {
  const args = [...Deno.args];
  const dash = args.indexOf("--");
  const names = dash === -1 ? args : args.slice(0, dash);
  const rest = dash === -1 ? [] : args.slice(dash + 1);
  // `--help` after `--` is the benchmarks' own (each prints its options).
  if (names.includes("--help") || names.includes("-h")) {
    console.log(
      "Usage: deno task bench [name ...] [-- options passed to each benchmark]\n\nBenchmarks:\n" +
        Object.entries(BENCHES).map(([k, v]) => `  ${k.padEnd(8)} ${v}`).join("\n"),
    );
    return 0;
  }
  for (const name of names) {
    if (!(name in BENCHES)) {
      throw new UsageError(
        `Unknown benchmark "${name}": expected one of ${Object.keys(BENCHES).join(", ")}`,
      );
    }
  }
  const chosen = (names.length ? names : Object.keys(BENCHES)) as BenchName[];
  for (const name of chosen) {
    const url = new URL(`./${name}.ts`, import.meta.url);
    try {
      await Deno.stat(url);
    } catch {
      console.log(`\n== ${name}: not available in this version`);
      continue;
    }
    console.log(`\n== ${name}: ${BENCHES[name]}`);
    const mod = await import(url.href) as { run(args: string[]): Promise<void> };
    // A bad option throws a UsageError: runMain prints `error: <message>` and exits 2.
    await mod.run(rest);
  }
  return 0;
});
