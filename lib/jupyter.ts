/**
 * The notebook face of pinstream's objects: the symbol Deno's Jupyter kernel
 * calls to render a value, HTML escaping, small HTML tables and MIME
 * bundles. Every `[JUPYTER_DISPLAY]()` method in lib/ is built from these.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayBundle, htmlTable, JUPYTER_DISPLAY } from "./jupyter.ts";
 * const shards = {
 *   [JUPYTER_DISPLAY]: () =>
 *     displayBundle(htmlTable(["shard", "state"], [["shardId-0", "open"]]), "1 shard"),
 * };
 * const bundle = shards[JUPYTER_DISPLAY]();
 * assert.match(bundle["text/html"], /<td>shardId-0<\/td>/);
 * assert.equal(bundle["text/plain"], "1 shard");
 * ```
 *
 * @module
 */

/** The symbol Deno's Jupyter kernel looks for to render an object: `Symbol.for("Jupyter.display")`. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/**
 * Escapes a value for HTML text or attributes: null and undefined become
 * `""`, dates their ISO string, other objects their JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./jupyter.ts";
 * assert.equal(escapeHtml("<b>"), "&#60;b&#62;");
 * assert.equal(escapeHtml(null), "");
 * ```
 */
export function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined
    ? ""
    : value instanceof Date
    ? value.toISOString()
    : typeof value === "object"
    ? JSON.stringify(value)
    : String(value);
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An HTML table of escaped cells, with an optional caption.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlTable } from "./jupyter.ts";
 * assert.equal(
 *   htmlTable(["a"], [[1]]),
 *   "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
 * );
 * ```
 */
export function htmlTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
  caption?: string,
): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`)
    .join("");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table>${cap}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A Jupyter MIME bundle: the HTML face, with plain text for consoles. */
export interface DisplayBundle {
  /** What JupyterLab and VS Code render. */
  "text/html": string;
  /** What a console or a plain-text front end shows. */
  "text/plain": string;
}

/**
 * The MIME bundle a `[JUPYTER_DISPLAY]()` method returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayBundle } from "./jupyter.ts";
 * assert.deepEqual(displayBundle("<p>hi</p>", "hi"), {
 *   "text/html": "<p>hi</p>",
 *   "text/plain": "hi",
 * });
 * ```
 */
export function displayBundle(html: string, text: string): DisplayBundle {
  return { "text/html": html, "text/plain": text };
}
