/**
 * Child process of the gold query crash test: runs the gold query over
 * `<dir>`; its compute writes `<dir>/computing` and then never returns, so
 * the parent can kill the process between offsets/0 and the gold commits.
 *
 * Usage: `deno run -A _gold_crash_child.ts <dir>`
 *
 * @module
 */
import { join } from "node:path";
import { startAnalyticsQuery } from "../../lib/stream/mod.ts";
import { options } from "./_gold_fixtures.ts";

const dir = Deno.args[0];
if (!dir) throw new TypeError("Usage: _gold_crash_child.ts <dir>");
await startAnalyticsQuery({
  ...options(dir),
  compute: async () => {
    await Deno.writeTextFile(join(dir, "computing"), "");
    // Keeps the process alive until it is killed.
    return await new Promise(() => setInterval(() => {}, 1000));
  },
});
