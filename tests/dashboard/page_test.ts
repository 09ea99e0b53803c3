/**
 * The dashboard page in a real browser: headless Chromium (Debian's
 * `chromium`) driven by playwright-core. Skips, saying so in one line, when
 * Chromium is absent; .ci/run installs it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { Catalog } from "../../lib/catalog.ts";
import { HEALTH_METRICS } from "../../lib/analytics/charts.ts";
import { GOLD_NAMES } from "../../lib/analytics/tables.ts";
import { withTempDir } from "../_helpers.ts";
import {
  appendQuarantine,
  appendSilver,
  progress,
  startDashboardProcess,
  USER_ID,
  writeGold,
  writeProgress,
} from "./_fixtures.ts";

const CHROMIUM = Deno.env.get("PINSTREAM_CHROMIUM") ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.log(`skip: dashboard page tests: no Chromium at ${CHROMIUM}`);

/** Runs `fn` with a fresh headless Chromium (own profile directory), closed afterwards. */
async function withBrowser<T>(fn: (context: BrowserContext) => Promise<T>): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "pinstream-chromium-" });
  // A persistent context is how playwright takes a profile directory
  // (--user-data-dir as a plain argument is refused by chromium.launch()).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    return await fn(context);
  } finally {
    await context.close();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** The row count the page shows for `table` (null while it shows none). */
function shownRows(table: string): string {
  return `(document.querySelector('#tables tr[data-table="${table}"] td.rows')?.textContent ?? null)`;
}

Deno.test({
  name:
    "the dashboard page draws every chart, shows the tables' row counts and follows new commits without a reload",
  ignore: !HAS_CHROMIUM,
  // playwright keeps a pipe to the browser process between calls
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withTempDir(async (root) => {
      const lakehouseDir = join(root, "lakehouse");
      const checkpointDir = join(root, "checkpoints");
      const catalog = new Catalog({ lakehouseDir });
      await appendSilver(catalog, "pin", 0, 3);
      await appendSilver(catalog, "geo", 0, 2);
      await appendSilver(catalog, "user", 0, 4);
      await appendQuarantine(catalog, `${USER_ID}_pin_table`, ["Not JSON: oops"], Date.now());
      await writeGold(catalog);
      const queries = ["pin", "geo", "user"].map((k) => `${USER_ID}_${k}_query`);
      for (const q of queries) {
        await writeProgress(checkpointDir, q, [progress(q, 0, 5, 1), progress(q, 1, 7, 2)]);
      }
      // The dashboard runs as `deno task dashboard` does, in its own process,
      // so the commits below do not share its event loop.
      const dashboard = await startDashboardProcess({
        LAKEHOUSE_DIR: lakehouseDir,
        CHECKPOINT_DIR: checkpointDir,
        USER_ID,
        DASHBOARD_PORT: "0",
      });
      try {
        await withBrowser(async (context) => {
          const page = await context.newPage();
          const errors: string[] = [];
          page.on("console", (msg) => {
            if (msg.type() === "error") errors.push(msg.text());
          });
          page.on("pageerror", (error) => errors.push(String(error)));
          page.on("requestfailed", (req) => errors.push(`request failed: ${req.url()}`));
          const external: string[] = [];
          page.on("request", (req) => {
            if (!req.url().startsWith(dashboard.url) && !req.url().startsWith("data:")) {
              external.push(req.url());
            }
          });
          await page.goto(dashboard.url);

          // Every chart container holds a drawn chart.
          const charts = GOLD_NAMES.length + queries.length * HEALTH_METRICS.length;
          await page.waitForFunction(
            `(() => {
            const boxes = [...document.querySelectorAll(".chart")];
            return boxes.length === ${charts} && boxes.every((b) => b.querySelector("svg, canvas"));
          })()`,
            undefined,
            { polling: 100, timeout: 90_000 },
          );

          // The row counts shown are the tables'.
          for (const kind of ["pin", "geo", "user"]) {
            const table = `${USER_ID}_${kind}_table`;
            const { rows } = await catalog.describe(table);
            await page.waitForFunction(`${shownRows(table)} === "${rows}"`, undefined, {
              polling: 100,
              timeout: 60_000,
            });
          }
          assert.equal(
            await page.evaluate(
              `document.querySelector('#tables tr[data-table="${USER_ID}_pin_table"] td.quarantined').textContent`,
            ),
            "1",
          );
          assert.match(await page.textContent("#quarantine tbody") ?? "", /Not JSON: oops/);
          assert.equal(await page.locator(".query").count(), queries.length);

          // More rows committed: the numbers change without a reload.
          await page.evaluate("window.__sameDocument = true");
          // The update delay is measured (reported, not asserted) over a few commits.
          const delays: number[] = [];
          let rows = 3;
          for (let i = 0; i < 5; i++) {
            // Commits at different points of the page's 1 s polling cycle, so
            // the measure is not biased by how long an append takes.
            await new Promise((resolve) => setTimeout(resolve, i * 200));
            const table = await appendSilver(catalog, "pin", rows, 10);
            rows += 10;
            await page.waitForFunction(
              `${shownRows(`${USER_ID}_pin_table`)} === "${rows}"`,
              undefined,
              {
                polling: 20,
                timeout: 60_000,
              },
            );
            const shown = Date.now();
            // The commit's instant: when its log file was written.
            const log = join(
              table.path,
              "_delta_log",
              `${String(table.version).padStart(20, "0")}.json`,
            );
            const committed = (await Deno.stat(log)).mtime!.getTime();
            delays.push(shown - committed);
          }
          delays.sort((a, b) => a - b);
          console.log(
            `dashboard update delay, Delta commit -> number on the page (ms): ` +
              `min ${delays[0]}, median ${delays[2]}, max ${delays[4]}`,
          );
          await writeProgress(checkpointDir, queries[0]!, [progress(queries[0]!, 2, 10, 3)]);
          await page.waitForFunction(
            `document.querySelector('[data-query="${
              queries[0]
            }"] [data-field="table-version"]')?.textContent === "3"`,
            undefined,
            { polling: 50, timeout: 60_000 },
          );
          assert.equal(await page.evaluate("window.__sameDocument"), true);

          const shot = Deno.env.get("PINSTREAM_DASHBOARD_SCREENSHOT");
          if (shot) await page.screenshot({ path: shot, fullPage: true });
          assert.deepEqual(errors, []);
          assert.deepEqual(external, []);
        });
      } finally {
        const { code, output } = await dashboard.stop();
        assert.equal(code, 0, output);
        assert.match(output, /Dashboard stopped/);
      }
    });
  },
});
