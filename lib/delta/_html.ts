/**
 * Small HTML tables for the notebook face of Delta objects
 * (`[Symbol.for("Jupyter.display")]`).
 *
 * @module
 */

/** The symbol Deno's Jupyter kernel looks for to render an object. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** Escapes text for HTML. */
export function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined
    ? ""
    : typeof value === "object" && !(value instanceof Date)
    ? JSON.stringify(value)
    : value instanceof Date
    ? value.toISOString()
    : String(value);
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An HTML table with an optional caption. */
export function htmlTable(headers: string[], rows: unknown[][], caption?: string): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`)
    .join("");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table>${cap}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
