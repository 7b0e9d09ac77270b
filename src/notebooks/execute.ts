/**
 * `executeNotebooks`: runs every `notebooks/*.ipynb` headlessly with Debian's Jupyter (`jupyter nbconvert --to
 * notebook --execute`, tslab kernel registered in the project's `.jupyter/`) into `<outDir>/*.ipynb` and `.html`.
 * A cell that throws or fails to type-check fails the run with a `NotebookError` naming the notebook and cell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EXIT_FAILURE, MoelabError } from '../errors';
import { findRepoRoot } from './helpers';

export const JUPYTER_BIN = '/usr/bin/jupyter';

/** A notebook failed: which one, which cell (1-based, code cells counted), and the kernel's error. */
export class NotebookError extends MoelabError {
  override readonly exitCode: number = EXIT_FAILURE;
  override readonly name = 'NotebookError';
  constructor(
    readonly notebook: string,
    readonly cell: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface ExecuteNotebooksOptions {
  /** The moelab checkout (kernel spec in `.jupyter/`, dist/); default: found upwards from the working directory. */
  repoRoot?: string;
  /** Folder of the `.ipynb` sources; default `<repo>/notebooks`. */
  notebooksDir?: string;
  /** Output folder for executed `.ipynb` and `.html`; default `<repo>/results/notebooks`. */
  outDir?: string;
  /** Results folder the notebooks read (`MOELAB_RESULTS`); default `<repo>/results`. */
  resultsDir?: string;
  /** Only notebooks whose file name contains one of these. */
  only?: string[];
  /** Per-cell timeout, seconds. Default 600. */
  cellTimeoutSeconds?: number;
  /** Also export HTML. Default true. */
  html?: boolean;
  log?: (line: string) => void;
}

export interface ExecutedNotebook {
  notebook: string;
  ipynb: string;
  html?: string;
  seconds: number;
}

/** Why Jupyter cannot run here (missing binary or kernel spec), or undefined when it can. */
export function jupyterUnavailable(repoRoot = findRepoRoot()): string | undefined {
  if (!fs.existsSync(JUPYTER_BIN)) return `${JUPYTER_BIN} not found: run \`bash scripts/setup-system.sh\` (Debian jupyter-nbconvert, python3-nbclient, jupyter-client)`;
  const spec = path.join(repoRoot, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  if (!fs.existsSync(spec)) return `tslab kernel not registered (${spec} missing): run \`node scripts/postinstall.mjs --kernel-only\``;
  if (!fs.existsSync(path.join(repoRoot, 'node_modules', 'moelab', 'package.json'))) return 'node_modules/moelab link missing: run `node scripts/postinstall.mjs`';
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'src', 'index.d.ts'))) return 'dist/ not built: run `npm run build`';
  return undefined;
}

interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: Array<{ output_type: string; ename?: string; evalue?: string; traceback?: string[]; text?: string | string[]; name?: string }>;
}

/**
 * The `NotebookError` for a failed nbconvert run. nbconvert's CellExecutionError prints the failing cell's source
 * between dashed lines, then the kernel's error (tslab reports thrown errors and type errors on stderr); the
 * cell number is found by matching that source against the notebook's code cells.
 */
export function cellFailure(file: string, notebookPath: string, stderr: string, status: number | null): NotebookError {
  const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
  const text = strip(stderr);
  const m = /An error occurred while executing the following cell:\n-+\n([\s\S]*?)\n-+\n([\s\S]*)$/.exec(text);
  if (!m) {
    const tail = text.trim().split('\n').slice(-15).join('\n');
    return new NotebookError(file, undefined, `${file}: jupyter nbconvert exited ${status}:\n${tail}`);
  }
  const source = m[1]!.trim();
  const detail = m[2]!.trim().split('\n').filter((l) => l.trim().length > 0).slice(0, 12).join('\n');
  let cell: number | undefined;
  try {
    const nb = JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as { cells: NbCell[] };
    const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source).trim());
    const idx = code.findIndex((c) => c === source);
    cell = idx >= 0 ? idx + 1 : undefined;
  } catch {
    cell = undefined;
  }
  const first = source.split('\n')[0]!.slice(0, 80);
  return new NotebookError(file, cell, `${file}, code cell ${cell ?? '?'} (\`${first}\`) failed:\n${detail}`);
}

/** The stderr stream text of code cell `cell` (1-based) of an executed notebook, trimmed to the error lines. */
export function cellStderr(ipynbFile: string, cell: number): string | undefined {
  if (!fs.existsSync(ipynbFile)) return undefined;
  const nb = JSON.parse(fs.readFileSync(ipynbFile, 'utf8')) as { cells: NbCell[] };
  const target = nb.cells.filter((c) => c.cell_type === 'code')[cell - 1];
  const text = (target?.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() && !/^\s+at /.test(l))
    .slice(0, 12)
    .join('\n');
  return text || undefined;
}

/** First error output of an executed notebook: [code-cell number, first source line, message]. */
export function firstCellError(ipynbFile: string): [number, string, string] | undefined {
  const nb = JSON.parse(fs.readFileSync(ipynbFile, 'utf8')) as { cells: NbCell[] };
  let code = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    code++;
    for (const out of cell.outputs ?? []) {
      if (out.output_type === 'error') {
        const src = (Array.isArray(cell.source) ? cell.source.join('') : cell.source).split('\n')[0] ?? '';
        const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
        const detail = [out.ename, out.evalue, ...(out.traceback ?? []).slice(0, 6)].filter(Boolean).map((s) => strip(String(s))).join('\n');
        return [code, src, detail];
      }
    }
  }
  return undefined;
}

/**
 * The kernel's guard, run by Jupyter in place of the kernel (`node guard.js <kernel argv…>`). Jupyter starts a
 * kernel in a session of its own, so a `kill -9` of the repro's process group leaves it running (tslab ignores
 * SIGTERM). The guard runs the real kernel as its child, forwards Jupyter's signals, and when its parent (the
 * nbconvert process) is gone it kills its whole process group (the kernel and anything it started) and removes
 * the connection file and this temporary kernel folder.
 */
const KERNEL_GUARD = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const [cmd, ...args] = process.argv.slice(2);
const parent = process.ppid;
const conn = args[args.indexOf('--config-path') + 1];
const child = spawn(cmd, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(sig, () => child.kill(sig));
const orphaned = () => {
  try { if (conn) fs.rmSync(conn, { force: true }); fs.rmSync(__dirname, { recursive: true, force: true }); } catch {}
  try { child.kill('SIGKILL'); } catch {}
  try { process.kill(-process.pid, 'SIGKILL'); } catch {}
  process.exit(137);
};
const timer = setInterval(() => { if (process.ppid !== parent) orphaned(); }, 200);
child.on('exit', (code, signal) => { clearInterval(timer); process.exit(code === null ? 128 : code); });
child.on('error', (err) => { process.stderr.write('moelab kernel guard: ' + err.message + '\n'); process.exit(1); });
`;

/**
 * A private Jupyter folder for one execution: the project's tslab kernel spec wrapped by the guard (first on
 * JUPYTER_PATH) and the runtime folder for connection files. Removed after the run (and by the guard when the
 * run is killed).
 */
function guardedKernelDir(repoRoot: string): { dir: string; jupyterPath: string; runtimeDir: string } {
  const specFile = path.join(repoRoot, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as { argv: string[] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-kernel-'));
  fs.writeFileSync(path.join(dir, 'guard.js'), KERNEL_GUARD);
  const kernelDir = path.join(dir, 'share', 'jupyter', 'kernels', 'tslab');
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(path.join(kernelDir, 'kernel.json'), JSON.stringify({ ...spec, argv: [process.execPath, path.join(dir, 'guard.js'), ...spec.argv] }, null, 1));
  const runtimeDir = path.join(dir, 'runtime');
  fs.mkdirSync(runtimeDir);
  return { dir, jupyterPath: path.join(dir, 'share', 'jupyter'), runtimeDir };
}

function env(repoRoot: string, resultsDir: string, kernel?: { jupyterPath: string; runtimeDir: string }): NodeJS.ProcessEnv {
  const project = path.join(repoRoot, '.jupyter', 'share', 'jupyter');
  return {
    ...process.env,
    JUPYTER_PATH: kernel ? `${kernel.jupyterPath}${path.delimiter}${project}` : project,
    ...(kernel ? { JUPYTER_RUNTIME_DIR: kernel.runtimeDir } : {}),
    PATH: `${path.join(repoRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    MOELAB_RESULTS: resultsDir,
    PYTHONWARNINGS: 'ignore',
  };
}

/** Jupyter processes of this process: killed when it exits (a stage child whose repro died exits at once). */
const running = new Set<ChildProcess>();
function killRunning(): void {
  for (const c of running) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
}

/**
 * Runs a command asynchronously (so this process keeps handling its parent's disconnect and signals while a
 * notebook runs), collecting stderr; the child is killed if this process exits first.
 */
function run(cmd: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (running.size === 0) process.once('exit', killRunning);
    running.add(child);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const done = (status: number | null) => {
      running.delete(child);
      if (running.size === 0) process.removeListener('exit', killRunning);
      resolve({ status, stderr });
    };
    child.on('error', (err) => {
      stderr += err.message;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

/**
 * An nbconvert HTML export that loads nothing from this machine: Debian's template links
 * `file:///usr/share/javascript/requirejs/require.min.js` (for widgets, which no moelab output uses), which a copy
 * of the page elsewhere cannot load, and with which plotly.js would register as an AMD module instead of
 * `window.Plotly`. Script tags whose `src` is a `file://` URL are removed; everything else is kept.
 */
export function selfContainedNotebookHtml(html: string): string {
  return html.replace(/<script\b[^>]*\bsrc="file:\/\/[^"]*"[^>]*>\s*<\/script>\s*/g, '');
}

/** Executes the notebooks one by one (in name order); throws `NotebookError` at the first failing one. */
export async function executeNotebooks(options: ExecuteNotebooksOptions = {}): Promise<ExecutedNotebook[]> {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const why = jupyterUnavailable(repoRoot);
  if (why) throw new NotebookError('(all)', undefined, why);
  const notebooksDir = path.resolve(options.notebooksDir ?? path.join(repoRoot, 'notebooks'));
  const outDir = path.resolve(options.outDir ?? path.join(repoRoot, 'results', 'notebooks'));
  const resultsDir = path.resolve(options.resultsDir ?? path.join(repoRoot, 'results'));
  const log = options.log ?? (() => undefined);
  fs.mkdirSync(outDir, { recursive: true });
  const files = fs
    .readdirSync(notebooksDir)
    .filter((f) => f.endsWith('.ipynb') && !f.includes('.tmp-'))
    .filter((f) => !options.only || options.only.some((o) => f.includes(o)))
    .sort();
  if (files.length === 0) {
    const all = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb'));
    throw new NotebookError('(none)', undefined, `no notebook in ${notebooksDir} matches ${options.only ? `--only ${options.only.join(',')}` : '*.ipynb'}; notebooks: ${all.join(', ') || 'none'}`);
  }
  const done: ExecutedNotebook[] = [];
  const kernel = guardedKernelDir(repoRoot);
  const jupyterEnv = env(repoRoot, resultsDir, kernel);
  try {
    for (const file of files) {
      const t0 = performance.now();
      const stem = file.replace(/\.ipynb$/, '');
      const tmpName = `${stem}.tmp-${process.pid}`;
      const args = [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.kernel_name=tslab',
        `--ExecutePreprocessor.timeout=${options.cellTimeoutSeconds ?? 600}`,
        '--output-dir',
        outDir,
        '--output',
        tmpName,
        path.join(notebooksDir, file),
      ];
      log(`executing ${file}`);
      const r = await run(JUPYTER_BIN, args, { cwd: notebooksDir, env: jupyterEnv });
      const tmpFile = path.join(outDir, `${tmpName}.ipynb`);
      if (r.status !== 0 || !fs.existsSync(tmpFile)) {
        fs.rmSync(tmpFile, { force: true });
        const failure = cellFailure(file, path.join(notebooksDir, file), `${r.stderr ?? ''}`, r.status);
        if (failure.cell !== undefined) {
          // tslab reports the error text on the cell's stderr stream, which nbconvert drops on failure: re-run with
          // --allow-errors into <stem>.failed.ipynb (kept for inspection) and quote that cell's stderr.
          const failedName = `${stem}.failed`;
          const again = args.map((a) => (a === tmpName ? failedName : a));
          again.splice(again.indexOf('--execute') + 1, 0, '--allow-errors');
          await run(JUPYTER_BIN, again, { cwd: notebooksDir, env: jupyterEnv });
          const stderrText = cellStderr(path.join(outDir, `${failedName}.ipynb`), failure.cell);
          if (stderrText) throw new NotebookError(file, failure.cell, `${failure.message}\n${stderrText}`);
        }
        throw failure;
      }
      const ipynb = path.join(outDir, `${stem}.ipynb`);
      fs.renameSync(tmpFile, ipynb);
      let html: string | undefined;
      if (options.html ?? true) {
        const h = await run(JUPYTER_BIN, ['nbconvert', '--to', 'html', '--output-dir', outDir, ipynb], { env: jupyterEnv });
        if (h.status === 0) {
          html = path.join(outDir, `${stem}.html`);
          writeFileAtomic(html, selfContainedNotebookHtml(fs.readFileSync(html, 'utf8')));
        }
        else log(`html export of ${file} failed: ${(h.stderr ?? '').trim().split('\n').pop()}`);
      }
      const seconds = (performance.now() - t0) / 1000;
      log(`executed ${file} in ${seconds.toFixed(1)} s`);
      done.push({ notebook: file, ipynb, html, seconds });
    }
  } finally {
    fs.rmSync(kernel.dir, { recursive: true, force: true });
  }
  return done;
}
