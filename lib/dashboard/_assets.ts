/**
 * The files the dashboard page loads, all served by pinstream itself (no
 * CDN): the page's own script and style from `static/`, and vega, vega-lite
 * and vega-embed from their npm packages' prebuilt browser bundles.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file served under `/assets/`. */
interface Asset {
  /** Where it is on disk. */
  path: string;
  contentType: string;
}

const JS = "text/javascript; charset=utf-8";

/** The npm packages whose browser bundles the page loads, and the bundle in each. */
const VENDOR: Record<string, { pkg: string; file: string }> = {
  "vega.min.js": { pkg: "vega", file: "build/vega.min.js" },
  "vega-lite.min.js": { pkg: "vega-lite", file: "build/vega-lite.min.js" },
  "vega-embed.min.js": { pkg: "vega-embed", file: "build/vega-embed.min.js" },
};

const STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));

/**
 * The directory of npm package `name` (unscoped): its entry point is
 * resolved the way an import of it is (from the project's `node_modules`),
 * then climbed to the `node_modules/<name>` directory holding it.
 */
export function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  while (basename(dir) !== name || basename(dirname(dir)) !== "node_modules") {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`Cannot find the npm package ${name} in node_modules: run deno install`);
    }
    dir = parent;
  }
  return dir;
}

function assetFor(name: string): Asset | null {
  const map = name.endsWith(".map");
  const base = map ? name.slice(0, -4) : name;
  const vendor = VENDOR[base];
  if (vendor) {
    return {
      path: join(packageDir(vendor.pkg), vendor.file + (map ? ".map" : "")),
      contentType: map ? "application/json" : JS,
    };
  }
  const types: Record<string, string> = {
    "dashboard.js": JS,
    "dashboard.css": "text/css; charset=utf-8",
  };
  return types[name] ? { path: join(STATIC_DIR, name), contentType: types[name] } : null;
}

const cache = new Map<string, Promise<{ body: Uint8Array; contentType: string } | null>>();

/** The body and content type of asset `name`, or null when there is no such asset. */
export function readAsset(
  name: string,
): Promise<{ body: Uint8Array; contentType: string } | null> {
  let hit = cache.get(name);
  if (!hit) {
    const asset = assetFor(name);
    hit = asset
      ? Deno.readFile(asset.path).then((body) => ({ body, contentType: asset.contentType }))
      : Promise.resolve(null);
    hit.catch(() => cache.delete(name));
    cache.set(name, hit);
  }
  return hit;
}

/** The page's HTML. */
export function readPage(): Promise<string> {
  return Deno.readTextFile(join(STATIC_DIR, "index.html"));
}
