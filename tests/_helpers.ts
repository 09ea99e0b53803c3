/**
 * Helpers shared by the tests: where `../shared` is, temporary directories
 * that are always removed, and free ports.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { JUPYTER_DISPLAY } from "../lib/jupyter.ts";

/** The project's root directory. */
export const ROOT: string = join(dirname(fileURLToPath(import.meta.url)), "..");

/** `../shared` beside the project, or null when it is absent (a user's clone). */
export const SHARED_DIR: string | null = (() => {
  const dir = Deno.env.get("PINSTREAM_SHARED_DIR") ?? join(ROOT, "..", "shared");
  return existsSync(dir) ? dir : null;
})();

const announced = new Set<string>();

/**
 * `ignore` for a `Deno.test` that reads `../shared`: true (and one line said
 * once per reason) when it is absent.
 */
export function skipWithoutShared(what: string): boolean {
  if (SHARED_DIR) return false;
  if (!announced.has(what)) {
    announced.add(what);
    console.log(`skip: ${what}: ../shared is absent`);
  }
  return true;
}

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "pinstream-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** What an object shows in Jupyter: the MIME bundle of its {@linkcode JUPYTER_DISPLAY} method. */
export function jupyterBundle(value: unknown): Record<string, string> {
  const fn = (value as Record<symbol, unknown>)[JUPYTER_DISPLAY];
  if (typeof fn !== "function") throw new TypeError("Value has no Jupyter display method");
  return fn.call(value) as Record<string, string>;
}

/**
 * A Python interpreter that can import all of `modules`: `python3` on the
 * PATH, else Debian's `/usr/bin/python3`; null when neither can.
 */
export async function findPython(modules: string[]): Promise<string | null> {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    try {
      const out = await new Deno.Command(candidate, {
        args: ["-c", `import ${modules.join(", ")}`],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.success) return candidate;
    } catch {
      // not installed
    }
  }
  return null;
}

/**
 * A body of `size` spaces made 64 KiB at a time as the reader pulls, which
 * counts how many bytes it has handed out.
 */
export function lazyBody(size: number): ReadableStream<Uint8Array> & { pulled(): number } {
  const chunkSize = 64 * 1024;
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= size) return controller.close();
      pulled += chunkSize;
      controller.enqueue(new Uint8Array(chunkSize).fill(0x20));
    },
  }, { highWaterMark: 0 });
  return Object.assign(stream, { pulled: () => pulled });
}
