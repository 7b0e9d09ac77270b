import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as dfd from 'danfojs-node';
import { notebookSourceProblem, stripNotebook } from '../../src/notebooks/source';
import { frameToHtml, formatFrameCell, isFrameLike } from '../../src/notebooks/frame-html';
import { hookFrameDisplay } from '../../src/notebooks/session';
import util from 'node:util';

const NOTEBOOKS = path.resolve(__dirname, '..', '..', 'notebooks');

describe('notebooks/*.ipynb are the source', () => {
  it('every committed notebook is stripped (no outputs, no execution counts) and in Jupyter\'s saved form', () => {
    const files = fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb'));
    assert.ok(files.length >= 5);
    for (const f of files) {
      const problem = notebookSourceProblem(fs.readFileSync(path.join(NOTEBOOKS, f), 'utf8'), f);
      assert.equal(problem, undefined, `${problem}: run \`moelab notebooks --strip\` before committing`);
    }
  });

  it('no generator script stands between the notebooks and their source', () => {
    assert.deepEqual(fs.readdirSync(NOTEBOOKS).filter((f) => !f.endsWith('.ipynb')), []);
  });

  it('every notebook uses the shared set-up (openNotebook) instead of a repeated boilerplate cell, and shows DataFrames as tables', () => {
    for (const f of fs.readdirSync(NOTEBOOKS).filter((x) => x.endsWith('.ipynb'))) {
      const nb = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, f), 'utf8')) as { cells: Array<{ cell_type: string; source: string[] }> };
      const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join(''));
      assert.match(code[0]!, /const nb = await openNotebook\(/, `${f}: the first code cell opens the shared set-up`);
      for (const c of code) {
        assert.doesNotMatch(c, /loadNotebookRuns|openNotebookRenderer|figureNotebookHtml|tslab\.display/, `${f} repeats the set-up instead of nb.show: ${c.slice(0, 80)}`);
        assert.doesNotMatch(c, /\.print\(\)/, `${f} prints a DataFrame as box-drawing text; use nb.show(df) or end the cell with it`);
      }
    }
  });

  it('a notebook saved after running is flagged, and stripping gives back the committed text', () => {
    const file = path.join(NOTEBOOKS, '02-chinchilla-fit.ipynb');
    const committed = fs.readFileSync(file, 'utf8');
    const nb = JSON.parse(committed) as { cells: Array<Record<string, unknown>>; metadata: Record<string, unknown> };
    const code = nb.cells.find((c) => c.cell_type === 'code')!;
    code.outputs = [{ output_type: 'stream', name: 'stdout', text: ['13 runs from reference\n'] }];
    code.execution_count = 3;
    code.metadata = { execution: { 'iopub.status.busy': '2026-01-01T00:00:00Z' } };
    nb.metadata.widgets = { state: {} };
    const ran = JSON.stringify(nb);
    assert.match(notebookSourceProblem(ran, 'x.ipynb') ?? '', /outputs or execution counts in 1 code cell/);
    assert.equal(stripNotebook(ran), committed);
  });

  it('a notebook that is not JSON is a named error', () => {
    assert.throws(() => stripNotebook('{"cells": [', 'broken.ipynb'), /broken\.ipynb is not valid JSON/);
  });
});

describe('DataFrames in notebooks', () => {
  const df = new dfd.DataFrame([
    { runId: 'fg-dense-d32x2-t64k-with-a-long-name', valLoss: 3.0467085987329, tokens: 65536 },
    { runId: 'fg-moe-d64x2-g4-t256k', valLoss: 2.5, tokens: 262144 },
  ]);

  it('frameToHtml writes every id and number in full, without box-drawing or truncation', () => {
    assert.ok(isFrameLike(df));
    const html = frameToHtml(df as never);
    assert.match(html, /<table class="moelab-frame"/);
    assert.match(html, /fg-dense-d32x2-t64k-with-a-long-name/);
    assert.match(html, />3\.04671</);
    assert.match(html, />65536</);
    assert.match(html, /2 rows × 3 columns/);
    assert.doesNotMatch(html, /[│╔═…]/);
  });

  it('long frames keep the first and last rows and say how many were left out', () => {
    const big = new dfd.DataFrame(Array.from({ length: 100 }, (_, i) => ({ i })));
    const html = frameToHtml(big as never, 10);
    assert.match(html, /… 90 more rows …/);
    assert.match(html, />99</);
    assert.match(html, /100 rows × 1 column/);
  });

  it('a DataFrame that ends a cell (console.log → util.inspect) is displayed as an HTML table, not its internals', () => {
    const shown: string[] = [];
    hookFrameDisplay({ html: (h) => shown.push(h), markdown: () => undefined });
    const text = util.inspect(df);
    assert.equal(shown.length, 1);
    assert.match(shown[0]!, /<table class="moelab-frame"/);
    assert.doesNotMatch(text, /\$dataIncolumnFormat/);
    assert.match(text, /DataFrame 2 rows × 3 columns/);
    // groupby results are danfojs-base frames (not danfojs-node's subclass): displayed the same way
    const grouped = util.inspect(df.groupby(['runId']).col(['valLoss']).mean());
    assert.equal(shown.length, 2);
    assert.match(grouped, /DataFrame 2 rows × 2 columns/);
  });

  it('formatFrameCell: integers in full, floats with 6 significant digits, wide magnitudes in exponent form', () => {
    assert.equal(formatFrameCell(262144), '262144');
    assert.equal(formatFrameCell(3.0467085987329), '3.04671');
    assert.equal(formatFrameCell(1.5e21), '1.5e+21');
    assert.equal(formatFrameCell(null), '');
  });
});
