/**
 * `executeNotebooks`: runs every `notebooks/*.ipynb` headlessly with Debian's Jupyter (`jupyter nbconvert --to
 * notebook --execute`, tslab kernel registered in the project's `.jupyter/`) into `<outDir>/*.ipynb` and `.html`.
 * A cell that throws or fails to type-check fails the run with a `NotebookError` naming the notebook and cell.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findRepoRoot } from './helpers';

export const JUPYTER_BIN = '/usr/bin/jupyter';

/** A notebook failed: which one, which cell (1-based, code cells counted), and the kernel's error. */
export class NotebookError extends Error {
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

function env(repoRoot: string, resultsDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_PATH: path.join(repoRoot, '.jupyter', 'share', 'jupyter'),
    PATH: `${path.join(repoRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    MOELAB_RESULTS: resultsDir,
    PYTHONWARNINGS: 'ignore',
  };
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
    const r = spawnSync(JUPYTER_BIN, args, { cwd: notebooksDir, env: env(repoRoot, resultsDir), encoding: 'utf8' });
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
        spawnSync(JUPYTER_BIN, again, { cwd: notebooksDir, env: env(repoRoot, resultsDir), encoding: 'utf8' });
        const stderrText = cellStderr(path.join(outDir, `${failedName}.ipynb`), failure.cell);
        if (stderrText) throw new NotebookError(file, failure.cell, `${failure.message}\n${stderrText}`);
      }
      throw failure;
    }
    const ipynb = path.join(outDir, `${stem}.ipynb`);
    fs.renameSync(tmpFile, ipynb);
    let html: string | undefined;
    if (options.html ?? true) {
      const h = spawnSync(JUPYTER_BIN, ['nbconvert', '--to', 'html', '--output-dir', outDir, ipynb], { env: env(repoRoot, resultsDir), encoding: 'utf8' });
      if (h.status === 0) html = path.join(outDir, `${stem}.html`);
      else log(`html export of ${file} failed: ${(h.stderr ?? '').trim().split('\n').pop()}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    log(`executed ${file} in ${seconds.toFixed(1)} s`);
    done.push({ notebook: file, ipynb, html, seconds });
  }
  return done;
}
