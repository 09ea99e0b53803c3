/**
 * `deno task notebooks [name...]`, a developer tool (not part of the
 * pipeline's commands): re-executes the walkthrough notebooks in
 * a fresh Deno kernel through Jupyter (nbclient), writes their new outputs
 * back in place, then scrubs the outputs: machine-specific absolute paths
 * become `<repo>`, `<tmp>` or `~`, secret-looking strings become
 * `<redacted>`, ANSI colour codes, error outputs and timing metadata are
 * dropped.
 *
 * The functions are exported for `tests/notebooks_test.ts`, which executes
 * the notebooks the same way (or, without Jupyter, by running their code
 * cells in one Deno process).
 *
 * @module
 */
import { asUsageError, type FlagSpecs, numberFlag, parseFlags, runMain } from "../cli/_args.ts";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";

/** The repository's root directory. */
export const ROOT_DIR: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the notebooks live (the kernel's working directory). */
export const NOTEBOOKS_DIR: string = join(ROOT_DIR, "notebooks");
/** The nbclient runner kept beside the notebooks. */
export const RUNNER: string = join(NOTEBOOKS_DIR, "_run.py");

const USAGE = `Usage: deno task notebooks [options] [name...]

Re-executes the walkthrough notebooks (notebooks/NN_*.ipynb) top to bottom,
each in a fresh Deno kernel through Jupyter (nbclient), and rewrites their
outputs in place. Outputs are then scrubbed: absolute paths of this machine
become <repo>, <tmp> or ~, secret-looking strings become <redacted>, error
outputs and timing metadata are dropped. A notebook that fails is left as it
was, and the command exits 1.

Needs Python with nbclient and jupyter-client (Debian: apt-get install
python3-nbclient python3-jupyter-client); installs the Deno kernelspec for
the current user (deno jupyter --install) when it is missing or points at
another deno.

Arguments:
  name             notebooks to run, e.g. 00_setup or 03 (default: all)`;

const FLAGS = {
  timeout: {
    type: "string",
    value: "S",
    help: "seconds a cell may run, 1 to 3600 (default 120)",
  },
  python: {
    type: "string",
    value: "PATH",
    help: "the Python that has nbclient (default: /usr/bin/python3, then python3 on PATH)",
  },
  check: {
    type: "boolean",
    help: "only check the committed outputs (no errors, paths, secrets)",
  },
} as const satisfies FlagSpecs;

/** The outcome of running one notebook. */
export interface NotebookResult {
  /** The file name, e.g. `00_setup.ipynb`. */
  notebook: string;
  /** Whether every cell ran without error. */
  ok: boolean;
  /** Wall-clock seconds, kernel start included. */
  seconds: number;
  /** What failed, or null. */
  error: string | null;
}

/** The walkthrough notebooks (`NN_*.ipynb`) in order, as absolute paths. */
export async function listNotebooks(dir: string = NOTEBOOKS_DIR): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /^\d\d_.*\.ipynb$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort().map((name) => join(dir, name));
}

/** Picks notebooks by name or number prefix (`03`, `03_send_data`, `03_send_data.ipynb`). */
export function selectNotebooks(all: string[], wanted: string[]): string[] {
  if (wanted.length === 0) return all;
  return wanted.map((want) => {
    const stem = basename(want).replace(/\.ipynb$/, "");
    const found = all.filter((path) => {
      const name = basename(path, ".ipynb");
      return name === stem || name.startsWith(`${stem}_`);
    });
    if (found.length !== 1) {
      throw new TypeError(
        `Cannot find notebook "${want}": choose one of ${
          all.map((p) => basename(p, ".ipynb")).join(", ")
        }`,
      );
    }
    return found[0]!;
  });
}

async function output(cmd: string, args: string[]): Promise<Deno.CommandOutput | undefined> {
  try {
    return await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
  } catch {
    return undefined;
  }
}

/**
 * A Python that can import nbclient and jupyter_client: `preferred`, else
 * Debian's `/usr/bin/python3`, else `python3` on the PATH; undefined when
 * none can.
 */
export async function findJupyterPython(preferred?: string): Promise<string | undefined> {
  const candidates = preferred ? [preferred] : ["/usr/bin/python3", "python3"];
  for (const python of candidates) {
    const out = await output(python, ["-c", "import nbclient, jupyter_client"]);
    if (out?.success) return python;
  }
  return undefined;
}

/**
 * Makes sure Jupyter's `deno` kernelspec exists and starts this deno;
 * otherwise runs `deno jupyter --install --force` (for the current user, no
 * questions asked). Returns the kernel's argv.
 */
export async function ensureDenoKernel(python: string): Promise<string[]> {
  const script = "import json\n" +
    "from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel\n" +
    "try:\n  print(json.dumps(KernelSpecManager().get_kernel_spec('deno').argv))\n" +
    "except NoSuchKernel:\n  print('null')\n";
  const read = async () => {
    const out = await output(python, ["-c", script]);
    if (!out?.success) {
      throw new Error(
        `Cannot read Jupyter's kernelspecs with ${python}: ${
          new TextDecoder().decode(out?.stderr ?? new Uint8Array()).trim()
        }`,
      );
    }
    return JSON.parse(new TextDecoder().decode(out.stdout)) as string[] | null;
  };
  const argv = await read();
  if (argv && argv[0] === Deno.execPath()) return argv;
  const install = await output(Deno.execPath(), ["jupyter", "--install", "--force"]);
  if (!install?.success) {
    throw new Error(
      `Cannot install the Deno kernelspec: ${
        new TextDecoder().decode(install?.stderr ?? new Uint8Array()).trim()
      }`,
    );
  }
  const after = await read();
  if (!after) throw new Error("Cannot find the Deno kernelspec after deno jupyter --install");
  return after;
}

/** Options of {@linkcode runWithJupyter}. */
export interface RunWithJupyterOptions {
  /** Write the executed notebook back (default false). */
  write?: boolean;
  /** Seconds a cell may run (default 120). */
  timeoutSeconds?: number;
}

/** Executes one notebook in a fresh Deno kernel through nbclient (`notebooks/_run.py`). */
export async function runWithJupyter(
  python: string,
  path: string,
  options: RunWithJupyterOptions = {},
): Promise<NotebookResult> {
  const { write = false, timeoutSeconds = 120 } = options;
  const args = [RUNNER, "--timeout", String(timeoutSeconds), ...(write ? ["--write"] : []), path];
  const out = await new Deno.Command(python, {
    args,
    cwd: NOTEBOOKS_DIR,
    // The kernel inherits it: plain-text outputs without ANSI colour codes.
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as NotebookResult;
  } catch {
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-10).join("\n");
    return { notebook: basename(path), ok: false, seconds: 0, error: `runner failed: ${stderr}` };
  }
}

/**
 * A stand-in for `Deno.jupyter` outside a kernel (where reading it throws
 * and its setter replaces it): displays print their plain text.
 */
const JUPYTER_SHIM = `
let inKernel = true;
try {
  Deno.jupyter;
} catch {
  inKernel = false;
}
if (!inKernel) {
  const $display = Symbol.for("Jupyter.display");
  const plain = (obj, raw) => {
    const bundle = raw ? obj : typeof obj?.[$display] === "function" ? obj[$display]() : null;
    return bundle?.["text/plain"] ?? (bundle ? Object.keys(bundle).join(", ") : Deno.inspect(obj));
  };
  const tagged = (mime) => (strings, ...values) => ({
    [$display]: () => ({ [mime]: String.raw({ raw: strings }, ...values) }),
  });
  Deno.jupyter = {
    $display,
    display: async (obj, options = {}) => console.log(plain(obj, options.raw)),
    broadcast: async () => {},
    format: (obj) => ({ "text/plain": plain(obj, false) }),
    md: tagged("text/markdown"),
    html: tagged("text/html"),
    svg: tagged("image/svg+xml"),
    image: () => ({ [$display]: () => ({ "text/plain": "<image>" }) }),
  };
}
`;

/** The code cells of a notebook, in order. */
export function codeCells(notebook: Notebook): string[] {
  return notebook.cells.filter((c) => c.cell_type === "code").map((c) =>
    Array.isArray(c.source) ? c.source.join("") : c.source
  );
}

async function hasSetsid(): Promise<boolean> {
  return (await output("setsid", ["--version"]))?.success ?? false;
}

/**
 * Executes a notebook's code cells in order in one Deno process: they are
 * concatenated into a temporary module inside `notebooks/` (so relative
 * imports and deno.json resolve as in the kernel), after a small
 * `Deno.jupyter` stand-in. Whatever the process started is stopped after.
 */
export async function runInDeno(
  path: string,
  options: { timeoutSeconds?: number } = {},
): Promise<NotebookResult> {
  const { timeoutSeconds = 300 } = options;
  const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
  const module = join(dirname(path), `.run_${basename(path, ".ipynb")}_${crypto.randomUUID()}.ts`);
  const body = codeCells(notebook).map((code, i) => `// cell ${i + 1}\n${code}\n`).join("\n");
  await Deno.writeTextFile(module, `// @ts-nocheck\n${JUPYTER_SHIM}\n${body}`);
  const started = performance.now();
  const deno = [Deno.execPath(), "run", "-A", "--quiet", module];
  const setsid = await hasSetsid();
  const child = new Deno.Command(setsid ? "setsid" : deno[0]!, {
    args: setsid ? deno : deno.slice(1),
    cwd: dirname(path),
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutSeconds * 1000);
  try {
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    return {
      notebook: basename(path),
      ok: out.success,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      error: out.success ? null : stderr.split("\n").slice(-15).join("\n") || `exit ${out.code}`,
    };
  } finally {
    clearTimeout(timer);
    if (setsid) {
      try {
        Deno.kill(-child.pid, "SIGKILL");
      } catch { /* nothing left in the group */ }
    }
    await Deno.remove(module).catch(() => {});
  }
}

/** The parts of an .ipynb file this module reads. */
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  [key: string]: unknown;
}

/** One cell of an .ipynb file. */
export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: Record<string, unknown>[];
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /(aws_secret_access_key|secretAccessKey|x-api-key|api_key|apiKey|password|token)(["'\s]*[:=]\s*["']?)(?!<redacted>)[A-Za-z0-9/+=_-]{16,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

const ABSOLUTE_PATH =
  /(?<![\w.<>~-])(?:\/(?:work|tmp|root|home|Users|private|var\/folders)\/|[A-Z]:\\\\?Users)/;

/** Options of {@linkcode scrubText}. */
export interface ScrubOptions {
  /** The repository path to replace with `<repo>` (default: this checkout). */
  repoDir?: string;
  /** The temporary directory to replace with `<tmp>` (default: the system's). */
  tmpDir?: string;
  /** The home directory to replace with `~` (default `$HOME`). */
  homeDir?: string;
}

/** ANSI escape sequences (colours), which GitHub shows as raw codes. */
const ANSI_ESCAPE = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*[A-Za-z]", "g");

/**
 * Replaces this machine's absolute paths and secret-looking strings in
 * `text`, and removes ANSI colour codes.
 */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  const {
    repoDir = ROOT_DIR,
    tmpDir = tmpdir(),
    homeDir = Deno.env.get("HOME") ?? "",
  } = options;
  let out = text.replace(ANSI_ESCAPE, "");
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(
      pattern,
      (_match, name?: string, sep?: string) =>
        typeof name === "string" && typeof sep === "string"
          ? `${name}${sep}<redacted>`
          : "<redacted>",
    );
  }
  const replacements: [string, string][] = [
    [repoDir, "<repo>"],
    [tmpDir, "<tmp>"],
    ["/tmp", "<tmp>"],
    ...(homeDir && homeDir !== "/" ? [[homeDir, "~"] as [string, string]] : []),
  ];
  for (const [from, to] of replacements) {
    if (from) out = out.split(from + "/").join(to + "/").split(from).join(to);
  }
  return out;
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

/**
 * Scrubs a notebook's outputs: drops error outputs and timing metadata,
 * replaces absolute paths and secret-looking strings in every output.
 */
export function scrubNotebook(notebook: Notebook, options: ScrubOptions = {}): Notebook {
  const cells = notebook.cells.map((cell) => {
    if (cell.cell_type !== "code") return cell;
    const metadata = { ...(cell.metadata ?? {}) };
    delete metadata.execution;
    const outputs = (cell.outputs ?? [])
      .filter((o) => o.output_type !== "error")
      .map((o) => mapStrings(o, (s) => scrubText(s, options)) as Record<string, unknown>);
    return { ...cell, metadata, outputs };
  });
  return { ...notebook, cells };
}

/**
 * What is wrong with a notebook's committed outputs: error outputs,
 * absolute paths of a machine, secret-looking strings. Empty when clean.
 */
export function outputProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  notebook.cells.forEach((cell, index) => {
    for (const o of cell.outputs ?? []) {
      const where = `cell ${index + 1}`;
      if (o.output_type === "error") problems.push(`${where} has an error output`);
      if (o.output_type === "stream" && o.name === "stderr") {
        problems.push(`${where} wrote to stderr`);
      }
      const text = JSON.stringify(o);
      const path = text.match(ABSOLUTE_PATH);
      if (path) problems.push(`${where} shows an absolute path (${path[0]}...)`);
      for (const pattern of SECRET_PATTERNS) {
        pattern.lastIndex = 0;
        if (pattern.test(text)) problems.push(`${where} shows a secret-looking string`);
      }
    }
  });
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The .ipynb text of a notebook, as nbformat writes it (sorted keys, indent 1). */
export function formatNotebook(notebook: Notebook): string {
  return JSON.stringify(sortKeys(notebook), null, 1) + "\n";
}

async function main(args: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(args, FLAGS, USAGE, { positionals: true });
  const timeoutSeconds = numberFlag("timeout", flags.timeout, { min: 1, max: 3600 }) ?? 120;
  const all = await listNotebooks();
  const paths = asUsageError(() => selectNotebooks(all, positionals));
  let failed = false;
  if (!flags.check) {
    const python = await findJupyterPython(flags.python);
    if (!python) {
      throw new Error(
        "Cannot re-execute the notebooks: no Python with nbclient and jupyter-client " +
          "(Debian: apt-get install python3-nbclient python3-jupyter-client)",
      );
    }
    await ensureDenoKernel(python);
    for (const path of paths) {
      const result = await runWithJupyter(python, path, { write: true, timeoutSeconds });
      if (result.ok) {
        const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
        await Deno.writeTextFile(path, formatNotebook(scrubNotebook(notebook)));
        console.log(`ok    ${result.notebook}  ${result.seconds.toFixed(1)} s`);
      } else {
        failed = true;
        console.log(`FAIL  ${result.notebook}  ${result.seconds.toFixed(1)} s (left as it was)`);
        console.log(result.error);
      }
    }
  }
  for (const path of paths) {
    const problems = outputProblems(JSON.parse(await Deno.readTextFile(path)) as Notebook);
    for (const problem of problems) console.log(`${basename(path)}: ${problem}`);
    if (problems.length) failed = true;
  }
  return failed ? 1 : 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
