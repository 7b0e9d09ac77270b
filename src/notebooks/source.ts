/**
 * The `.ipynb` files in `notebooks/` are the source: edited in Jupyter, committed without outputs. This module
 * strips a notebook to that committed form (no outputs, no execution counts, no per-run metadata) and writes it
 * exactly as Jupyter saves it (nbformat: one-space indent, sorted keys, source as a list of lines), so that a
 * save from Jupyter after `moelab notebooks --strip` leaves no diff beyond the cells you edited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';

/** Cell metadata keys Jupyter adds while running or viewing a notebook; none belongs in the source. */
const VOLATILE_CELL_METADATA = ['execution', 'collapsed', 'scrolled', 'jupyter', 'ExecuteTime', 'tags_volatile'];
/** Notebook metadata keys that record a run, not the source. */
const VOLATILE_NOTEBOOK_METADATA = ['widgets', 'papermill', 'toc'];

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  attachments?: unknown;
  [key: string]: unknown;
}

interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** A notebook file that is not valid JSON or not an nbformat-4 notebook. */
export class NotebookSourceError extends Error {
  override readonly name = 'NotebookSourceError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** Jupyter's source form: the text split after each newline (the last line without one). */
export function sourceLines(source: string | string[]): string[] {
  const text = Array.isArray(source) ? source.join('') : source;
  if (text === '') return [];
  const lines = text.split(/(?<=\n)/);
  return lines;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** nbformat's on-disk JSON: `json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)` plus a newline. */
export function serializeNotebook(nb: unknown): string {
  return `${JSON.stringify(sortKeys(nb), null, 1)}\n`;
}

function parse(file: string, text: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (e) {
    throw new NotebookSourceError(file, `${file} is not valid JSON (${(e as Error).message}); restore it from git or re-save it from Jupyter`);
  }
  if (!nb || !Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new NotebookSourceError(file, `${file} is not an nbformat-4 notebook (needs "cells" and "nbformat": 4)`);
  }
  return nb;
}

/** The committed (stripped) form of a notebook's text. */
export function stripNotebook(text: string, file = '<notebook>'): string {
  const nb = parse(file, text);
  const metadata = { ...nb.metadata };
  for (const k of VOLATILE_NOTEBOOK_METADATA) delete metadata[k];
  const cells = nb.cells.map((c) => {
    const cellMeta = { ...(c.metadata ?? {}) };
    for (const k of VOLATILE_CELL_METADATA) delete cellMeta[k];
    const out: Cell = { ...c, metadata: cellMeta, source: sourceLines(c.source) };
    if (c.cell_type === 'code') {
      out.outputs = [];
      out.execution_count = null;
    } else {
      delete out.outputs;
      delete out.execution_count;
    }
    return out;
  });
  return serializeNotebook({ ...nb, metadata, cells });
}

/** Why a notebook's text is not in its committed form (outputs, execution counts, run metadata, formatting), or undefined. */
export function notebookSourceProblem(text: string, file = '<notebook>'): string | undefined {
  const nb = parse(file, text);
  const withOutputs = nb.cells.filter((c) => c.cell_type === 'code' && ((c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null)).length;
  if (withOutputs > 0) return `${file} has outputs or execution counts in ${withOutputs} code cell(s)`;
  if (stripNotebook(text, file) !== text) return `${file} is not in Jupyter's saved form or holds run metadata`;
  return undefined;
}

/** Strips every `*.ipynb` in `dir` in place (atomically); returns the files it changed. */
export function stripNotebooks(dir: string): string[] {
  const changed: string[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ipynb')).sort()) {
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, 'utf8');
    const stripped = stripNotebook(text, file);
    if (stripped !== text) {
      writeFileAtomic(file, stripped);
      changed.push(file);
    }
  }
  return changed;
}
