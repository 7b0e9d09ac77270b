import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readResultFits } from '../../src/laws/fits';
import { executeNotebooks, jupyterUnavailable, NotebookError, selfContainedNotebookHtml } from '../../src/notebooks/execute';
import { formatCoefficient } from '../../src/util/format';

/** Every text/markdown/plain output of an executed notebook, joined. */
function outputText(ipynb: string): string {
  const nb = JSON.parse(fs.readFileSync(ipynb, 'utf8')) as { cells: Array<{ outputs?: Array<{ text?: string | string[]; data?: Record<string, string | string[]> }> }> };
  const parts: string[] = [];
  for (const o of nb.cells.flatMap((c) => c.outputs ?? [])) {
    if (o.text) parts.push(([] as string[]).concat(o.text).join(''));
    for (const k of ['text/markdown', 'text/plain']) if (o.data?.[k]) parts.push(([] as string[]).concat(o.data[k]!).join(''));
  }
  return parts.join('\n');
}

const why = jupyterUnavailable();
const skip = why ? `Jupyter/tslab not available here (${why}); CI installs it via scripts/setup-system.sh + npm install` : false;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-nb-'));

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('selfContainedNotebookHtml', () => {
  it("drops script tags that load this machine's files (Debian's require.js) and keeps every other script", () => {
    const html = '<head><script src="file:///usr/share/javascript/requirejs/require.min.js"></script>\n<script src="../figures/plotly.min.js"></script><script>var a = 1;</script></head>';
    assert.equal(selfContainedNotebookHtml(html), '<head><script src="../figures/plotly.min.js"></script><script>var a = 1;</script></head>');
  });
});

describe('executeNotebooks', () => {
  it('executes every notebook in notebooks/ top to bottom on an empty results folder (reference/synthetic fallback)', { skip, timeout: 15 * 60_000 }, async () => {
    const outDir = tmp();
    const done = await executeNotebooks({ outDir, resultsDir: tmp() });
    const sources = fs.readdirSync(path.resolve('notebooks')).filter((f) => f.endsWith('.ipynb'));
    assert.equal(done.length, sources.length);
    assert.ok(done.length >= 5);
    for (const d of done) {
      assert.ok(fs.existsSync(d.ipynb));
      assert.ok(d.html && fs.existsSync(d.html), `${d.notebook} has no HTML export`);
      assert.doesNotMatch(fs.readFileSync(d.html, 'utf8'), /src="file:\/\//, `${d.notebook}.html loads a file of this machine`);
    }
    const k = JSON.parse(fs.readFileSync(path.join(outDir, '03-krajewski-fine-grained.ipynb'), 'utf8')) as { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> };
    const htmlOutputs = k.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.['text/html']);
    assert.ok(htmlOutputs.length >= 8, 'the Krajewski notebook displays its figures inline');

    // Parity: every coefficient notebooks 02–04 print is the one in fits/<law>.json and in REPORT.md (the empty
    // results folder makes them read the committed reference, whose report is REPORT.md beside the fits).
    const reference = path.resolve('results', 'reference', 'tiny');
    const report = fs.readFileSync(path.join(reference, 'REPORT.md'), 'utf8');
    const records = readResultFits(reference);
    const printed: Array<[string, string[]]> = [
      ['02-chinchilla-fit', ['chinchilla']],
      ['03-krajewski-fine-grained', ['fine-grained', 'dense']],
      ['04-yun-inference-optimal', ['experts']],
    ];
    let compared = 0;
    for (const [notebook, laws] of printed) {
      const text = outputText(path.join(outDir, `${notebook}.ipynb`));
      for (const law of laws) {
        const record = records.find((r) => r.law === law);
        assert.ok(record?.fit, `the reference has a successful ${law} fit`);
        const line = new RegExp(`\\*\\*${law}\\*\\* \\(fits/${law}\\.json[^)]*\\): (.*)`).exec(text);
        assert.ok(line, `${notebook} prints the ${law} fit`);
        const shown = Object.fromEntries(line[1]!.split(', ').map((kv) => kv.split(' = ') as [string, string]));
        const coefficients: Record<string, number> = record.fit.coefficients;
        assert.deepEqual(Object.keys(shown).sort(), Object.keys(coefficients).sort(), `${notebook}: every ${law} coefficient is printed`);
        for (const [name, value] of Object.entries(coefficients)) {
          assert.equal(shown[name], formatCoefficient(value), `${notebook}: ${law}.${name} equals fits/${law}.json`);
          assert.ok(report.includes(`| ${name} | ${formatCoefficient(value)} |`), `REPORT.md shows ${law}.${name} = ${formatCoefficient(value)}`);
          compared++;
        }
      }
    }
    assert.ok(compared >= 20, `compared ${compared} coefficients`);
  });

  it('fails naming the notebook and cell when a cell throws', { skip, timeout: 120_000 }, async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'bad.ipynb'), notebook(['const x: number = 1;', 'throw new Error("planted failure");', 'console.log("never")']));
    await assert.rejects(executeNotebooks({ notebooksDir: dir, outDir: tmp(), html: false }), (err: unknown) => {
      assert.ok(err instanceof NotebookError);
      assert.equal(err.notebook, 'bad.ipynb');
      assert.equal(err.cell, 2);
      assert.match(err.message, /planted failure/);
      return true;
    });
  });

  it('fails when a cell does not type-check', { skip, timeout: 120_000 }, async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'types.ipynb'), notebook(['const n: number = "not a number";']));
    await assert.rejects(executeNotebooks({ notebooksDir: dir, outDir: tmp(), html: false }), (err: unknown) => {
      assert.ok(err instanceof NotebookError);
      assert.equal(err.cell, 1);
      assert.match(err.message, /not assignable to type 'number'/);
      return true;
    });
  });
});
