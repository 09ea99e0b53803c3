/**
 * Helpers for the walkthrough notebooks. One-line checks: a cell states
 * what it expects in a single call, and a wrong result stops the notebook
 * with a message that says what was expected, instead of an
 * `if (...) throw` block in front of learners. And {@linkcode vegaLiteChart}:
 * a chart that draws in JupyterLab, VS Code and on GitHub.
 *
 * @example
 * ```ts
 * import { expectBetween, expectEqual, expectTrue } from "./notebook.ts";
 * expectEqual([1, 2].length, 2, "items");
 * expectBetween(103, 100, 105, "rows");
 * expectTrue("/data/art".startsWith("/data/"), "save_location keeps only the path");
 * ```
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import type { TopLevelSpec } from "vega-lite";
import { chartBundle, type VegaLiteSpec } from "./analytics/charts.ts";

function show(value: unknown): string {
  return Deno.inspect(value, { colors: false, compact: true, breakLength: Infinity, depth: 4 });
}

/**
 * Throws an `Error` `Expected <what> to be <expected>, got <actual>` unless
 * `actual` deeply equals `expected` (Node's `isDeepStrictEqual`). Returns
 * `actual`, so a cell can check and show a value in one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectEqual } from "./notebook.ts";
 * const n = expectEqual(2 + 1, 3, "the sum");
 * assert.equal(n, 3);
 * ```
 */
export function expectEqual<T>(actual: T, expected: T, what: string): T {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`Expected ${what} to be ${show(expected)}, got ${show(actual)}`);
  }
  return actual;
}

/**
 * Throws an `Error` unless `min <= actual <= max` (both ends included).
 * Returns `actual`.
 *
 * @example
 * ```ts
 * import { expectBetween } from "./notebook.ts";
 * expectBetween(100, 100, 102, "rows in the table");
 * ```
 */
export function expectBetween(actual: number, min: number, max: number, what: string): number {
  if (!(actual >= min && actual <= max)) {
    const range = min === max ? show(min) : `between ${show(min)} and ${show(max)}`;
    throw new Error(`Expected ${what} to be ${range}, got ${show(actual)}`);
  }
  return actual;
}

/**
 * Throws an `Error` `Expected <what>` unless `condition` is true.
 *
 * @example
 * ```ts
 * import { expectTrue } from "./notebook.ts";
 * expectTrue([3, 1].includes(3), "3 among the values");
 * ```
 */
export function expectTrue(condition: boolean, what: string): void {
  if (condition !== true) throw new Error(`Expected ${what}`);
}

/** A chart for a notebook: see {@linkcode vegaLiteChart}. */
export interface NotebookChart {
  /** The Vega-Lite v5 spec, drawn by JupyterLab and VS Code. */
  spec: Record<string, unknown>;
  /** The same chart as SVG, drawn by vega headless, for viewers without Vega-Lite (GitHub). */
  svg: string;
}

async function loadVega() {
  // vega pulls in Node's deprecated punycode module: keep its warning out of cell outputs.
  const process = (await import("node:process")).default as { noDeprecation?: boolean };
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
    return { vega, vegaLite };
  } finally {
    process.noDeprecation = quiet;
  }
}

/**
 * A chart that renders itself in a notebook as one MIME bundle: the
 * Vega-Lite spec (`application/vnd.vegalite.v5+json`) for JupyterLab and
 * VS Code, and the same chart as `image/svg+xml`, drawn headless by the
 * npm `vega` and `vega-lite` packages, for viewers that do not run
 * Vega-Lite, such as GitHub: `chartBundle()` of `lib/analytics/charts.ts`
 * plus the SVG. vega is loaded on the first call only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vegaLiteChart } from "./notebook.ts";
 * const chart = await vegaLiteChart({
 *   $schema: "https://vega.github.io/schema/vega-lite/v5.json",
 *   data: { values: [{ x: "a", y: 1 }] },
 *   mark: "bar",
 *   encoding: { x: { field: "x", type: "nominal" }, y: { field: "y", type: "quantitative" } },
 * });
 * assert.match(chart.svg, /^<svg/);
 * ```
 */
export async function vegaLiteChart(spec: Record<string, unknown>): Promise<NotebookChart> {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError("Cannot draw a chart: the spec must be a Vega-Lite object");
  }
  const { vega, vegaLite } = await loadVega();
  const compiled = vegaLite.compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  return {
    spec,
    svg,
    [Symbol.for("Jupyter.display")]() {
      return { ...chartBundle(spec as VegaLiteSpec), "image/svg+xml": svg };
    },
  } as NotebookChart;
}
