/**
 * One-line checks for the walkthrough notebooks: a cell states what it
 * expects in a single call, and a wrong result stops the notebook with a
 * message that says what was expected, instead of an `if (...) throw`
 * block in front of learners.
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
 * import { expectEqual } from "./notebook.ts";
 * const n = expectEqual(2 + 1, 3, "the sum");
 * console.assert(n === 3);
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
