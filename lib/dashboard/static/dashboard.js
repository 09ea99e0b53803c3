// The pinstream dashboard page: polls the server's JSON every second and
// updates the page in place (no reload). Charts are Vega-Lite specs made by
// the server (lib/analytics/charts.ts), drawn with vega-embed; a chart is
// redrawn only when its spec changed.
"use strict";

const POLL_MS = 1000;
const HEALTH_LABELS = {
  inputRowsPerSecond: "input rows/s",
  processedRowsPerSecond: "processed rows/s",
  numInputRows: "input rows",
  batchDurationMs: "batch ms",
  millisBehindLatest: "behind ms",
};

/** Finds or makes the element with `id` under `parent`. */
function ensure(parent, id, tag, className, init) {
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement(tag);
    el.id = id;
    if (className) el.className = className;
    if (init) init(el);
    parent.appendChild(el);
  }
  return el;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function slug(text) {
  return String(text).replace(/[^A-Za-z0-9_-]/g, "_");
}

function fmt(value) {
  if (typeof value !== "number") return value === null || value === undefined ? "" : value;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Draws `spec` into `el` unless it already shows exactly that spec. */
async function draw(el, spec) {
  const key = JSON.stringify(spec);
  if (el.dataset.spec === key) return;
  el.dataset.spec = key;
  const old = el.vegaResult;
  const result = await globalThis.vegaEmbed(el, spec, { actions: false, renderer: "svg" });
  if (old) old.finalize();
  el.vegaResult = result;
}

function renderProgress(body) {
  const root = document.getElementById("queries");
  if (body.queries.length > 0) root.querySelector(".empty")?.remove();
  const draws = [];
  const live = new Set(body.queries.map((q) => `query-${slug(q.checkpoint)}`));
  for (const box of [...root.querySelectorAll(".query")]) {
    // A checkpoint that is gone (reset or deleted): its query goes too.
    if (!live.has(box.id)) {
      for (const chart of box.querySelectorAll(".chart")) chart.vegaResult?.finalize();
      box.remove();
    }
  }
  for (const q of body.queries) {
    const id = `query-${slug(q.checkpoint)}`;
    const box = ensure(root, id, "div", "query", (el) => {
      el.dataset.query = q.name;
      const h = document.createElement("h3");
      h.textContent = q.name;
      el.appendChild(h);
      const numbers = document.createElement("div");
      numbers.className = "numbers";
      el.appendChild(numbers);
      const charts = document.createElement("div");
      charts.className = "charts";
      el.appendChild(charts);
    });
    const last = q.recent[q.recent.length - 1];
    const numbers = box.querySelector(".numbers");
    numbers.replaceChildren();
    const items = [
      ["batch", last.batchId, "batch"],
      ["table version", q.tableVersion, "table-version"],
      ...Object.entries(HEALTH_LABELS).map(([k, label]) => [label, last[k], k]),
      ["quarantined", last.numQuarantinedRows, "quarantined"],
    ];
    for (const [label, value, field] of items) {
      const span = document.createElement("span");
      span.append(`${label} `);
      const b = document.createElement("b");
      b.dataset.field = field;
      b.textContent = fmt(value);
      span.appendChild(b);
      numbers.appendChild(span);
    }
    const charts = box.querySelector(".charts");
    for (const [metric, spec] of Object.entries(q.charts)) {
      const el = ensure(charts, `${id}-${metric}`, "div", "chart health-chart");
      draws.push(draw(el, spec));
    }
  }
  return Promise.all(draws);
}

function renderTables(body) {
  const tbody = document.querySelector("#tables tbody");
  const rows = body.tables.map((t) => {
    const tr = document.createElement("tr");
    tr.dataset.table = t.table;
    cell(tr, t.table);
    cell(tr, t.version === null ? "none" : String(t.version), "num version");
    cell(tr, fmt(t.rows), "num rows");
    cell(tr, fmt(t.quarantined), "num quarantined");
    return tr;
  });
  tbody.replaceChildren(...rows);
  const qbody = document.querySelector("#quarantine tbody");
  qbody.replaceChildren(...body.quarantine.map((r) => {
    const tr = document.createElement("tr");
    cell(tr, r.table);
    cell(tr, r.arrivedAt ?? "");
    cell(tr, r.stage);
    cell(tr, r.reason);
    cell(tr, r.data, "data").title = r.data;
    return tr;
  }));
}

function renderAnalytics(body) {
  const root = document.getElementById("answers");
  const draws = [];
  for (const a of body.answers) {
    const box = ensure(root, `answer-${a.name}`, "div", "answer", (el) => {
      el.dataset.answer = a.name;
      const h = document.createElement("h3");
      el.appendChild(h);
      const inner = document.createElement("div");
      inner.className = "body";
      const chart = document.createElement("div");
      chart.className = "chart answer-chart";
      const rows = document.createElement("div");
      rows.className = "rows";
      inner.append(chart, rows);
      el.appendChild(inner);
    });
    box.querySelector("h3").textContent = `${a.table} (${
      a.version === null ? "not written yet" : `version ${a.version}, ${a.rows.length} rows`
    })`;
    const key = JSON.stringify(a.rows);
    const rowsEl = box.querySelector(".rows");
    if (rowsEl.dataset.key !== key) {
      rowsEl.dataset.key = key;
      const columns = a.rows.length ? Object.keys(a.rows[0]) : [];
      const table = document.createElement("table");
      const head = document.createElement("tr");
      for (const c of columns) {
        const th = document.createElement("th");
        th.textContent = c;
        head.appendChild(th);
      }
      table.appendChild(head);
      for (const r of a.rows) {
        const tr = document.createElement("tr");
        for (const c of columns) cell(tr, fmt(r[c]), typeof r[c] === "number" ? "num" : "");
        table.appendChild(tr);
      }
      rowsEl.replaceChildren(table);
    }
    draws.push(draw(box.querySelector(".chart"), a.spec));
  }
  return Promise.all(draws);
}

async function getJson(path) {
  const res = await fetch(path, { cache: "no-store" });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return await res.json();
}

async function poll() {
  const status = document.getElementById("status");
  try {
    const [progress, tables, analytics] = await Promise.all([
      getJson("/api/progress"),
      getJson("/api/tables"),
      getJson("/api/analytics"),
    ]);
    renderTables(tables);
    await Promise.all([renderProgress(progress), renderAnalytics(analytics)]);
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = "status";
    document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
  } catch (error) {
    // The server may be restarting or a table mid-change: say so and keep polling.
    status.textContent = `update failed, retrying: ${error.message}`;
    status.className = "status error";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
