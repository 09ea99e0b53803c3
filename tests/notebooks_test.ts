import assert from "node:assert/strict";
import { basename } from "node:path";
import {
  ensureDenoKernel,
  findJupyterPython,
  formatNotebook,
  listNotebooks,
  type Notebook,
  type NotebookResult,
  outputProblems,
  runInDeno,
  runWithJupyter,
  scrubNotebook,
  scrubText,
  selectNotebooks,
} from "../tools/notebooks.ts";

/** Notebooks run this many at a time (each starts its own emulator on a free port). */
const CONCURRENCY = 3;

async function runAll(
  paths: string[],
  run: (path: string) => Promise<NotebookResult>,
): Promise<NotebookResult[]> {
  const results: NotebookResult[] = new Array(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, paths.length) }, async () => {
      while (next < paths.length) {
        const i = next++;
        results[i] = await run(paths[i]!);
      }
    }),
  );
  return results;
}

Deno.test("every notebook runs top to bottom in a fresh Deno kernel without a cell error", async () => {
  const paths = await listNotebooks();
  assert.ok(paths.length > 0, "no notebooks found");
  const python = await findJupyterPython();
  const started = performance.now();
  let results: NotebookResult[];
  if (python) {
    await ensureDenoKernel(python);
    console.log(`notebooks: executed through Jupyter (nbclient with ${python}, kernel "deno")`);
    results = await runAll(paths, (path) => runWithJupyter(python, path, { timeoutSeconds: 120 }));
  } else {
    console.log(
      "notebooks: executed by running the code cells in one Deno process each (no Jupyter here)",
    );
    results = await runAll(paths, (path) => runInDeno(path));
  }
  console.log(
    results.map((r) => `  ${r.ok ? "ok  " : "FAIL"} ${r.notebook} ${r.seconds.toFixed(1)} s`)
      .join("\n") + `\n  total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const failures = results.filter((r) => !r.ok);
  assert.deepEqual(
    failures.map((r) => `${r.notebook}: ${r.error}`),
    [],
    "some notebooks failed",
  );
});

Deno.test("the committed notebooks hold outputs without errors, absolute paths or secrets", async () => {
  for (const path of await listNotebooks()) {
    const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
    assert.equal(
      (notebook.metadata.kernelspec as { name?: string } | undefined)?.name,
      "deno",
      `${basename(path)} is not a Deno notebook`,
    );
    const code = notebook.cells.filter((c) => c.cell_type === "code");
    assert.ok(
      code.some((c) => (c.outputs ?? []).length > 0),
      `${basename(path)} is committed without outputs`,
    );
    assert.deepEqual(outputProblems(notebook), [], basename(path));
    const ansi = code.findIndex((c) => JSON.stringify(c.outputs ?? []).includes("\\u001b["));
    assert.equal(ansi, -1, `${basename(path)}: code cell ${ansi + 1} shows ANSI escape codes`);
  }
});

Deno.test("scrubbing replaces paths and secrets and drops colour codes and error outputs", () => {
  const notebook: Notebook = {
    metadata: {},
    cells: [{
      cell_type: "code",
      source: "x",
      metadata: { execution: { "iopub.status.idle": "2020-01-01" } },
      outputs: [
        {
          output_type: "execute_result",
          data: {
            "text/plain": "/srv/repo/notebooks and /tmp/pinstream-x1/lakehouse and /home/me/.aws " +
              'AKIAABCDEFGHIJKLMNOP apiKey: abcdefghijklmnopqrstuvwxyz \u001b[32m"green"\u001b[39m',
          },
        },
        { output_type: "error", ename: "Error", evalue: "boom", traceback: [] },
      ],
    }],
  };
  assert.equal(outputProblems(notebook).length > 0, true);
  const clean = scrubNotebook(notebook, {
    repoDir: "/srv/repo",
    tmpDir: "/tmp",
    homeDir: "/home/me",
  });
  const cell = clean.cells[0]!;
  assert.deepEqual(cell.metadata, {});
  assert.equal(cell.outputs!.length, 1);
  assert.equal(
    (cell.outputs![0]!.data as Record<string, string>)["text/plain"],
    '<repo>/notebooks and <tmp>/pinstream-x1/lakehouse and ~/.aws <redacted> apiKey: <redacted> "green"',
  );
  assert.deepEqual(outputProblems(clean), []);
  assert.equal(scrubText("no paths here"), "no paths here");
  assert.match(formatNotebook(clean), /^\{\n "cells": \[/);
});

Deno.test("notebooks are picked by name or number and an unknown one is refused", () => {
  const all = ["/n/00_setup.ipynb", "/n/01_create_streams.ipynb"];
  assert.deepEqual(selectNotebooks(all, []), all);
  assert.deepEqual(selectNotebooks(all, ["01", "00_setup.ipynb"]), [all[1], all[0]]);
  assert.throws(() => selectNotebooks(all, ["09"]), /Cannot find notebook "09"/);
});

Deno.test("deno task notebooks --help prints its usage", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../tools/notebooks.ts", import.meta.url).pathname, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  assert.match(new TextDecoder().decode(out.stdout), /^Usage: deno task notebooks/);
});

Deno.test("without Jupyter, a notebook's code cells run in order in one Deno process", async () => {
  // 00 is the smallest; 03 uses Deno.jupyter.display, which the stand-in provides.
  for (const path of selectNotebooks(await listNotebooks(), ["00", "03"])) {
    const result = await runInDeno(path);
    assert.equal(result.error, null, result.notebook);
    assert.equal(result.ok, true, result.notebook);
  }
});
