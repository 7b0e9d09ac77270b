import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { exportFigures } from '../../src/figures/export';
import { findChromium } from '../../src/figures/render';
import { figureInputs } from '../../src/figures/inputs';
import { fitRunTable } from '../../src/laws/fit/all';
import { expertsRuns, fineGrainedRuns, fixtureInputs } from './fixtures';

/** The fixture runs with their fit records (every fit-dependent figure can draw). */
function fittedInputs() {
  const runs = [...fineGrainedRuns(), ...expertsRuns()];
  return figureInputs({ runs, records: fitRunTable(runs, { resamples: 3 }) });
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-figures-'));
const chromium = findChromium();

describe('exportFigures', () => {
  it('writes json/html per figure, md/html per table, and an offline gallery with plotly beside it (no browser needed)', async () => {
    const outDir = tmp();
    const r = await exportFigures({ inputs: fittedInputs(), outDir, formats: ['json', 'html'] });
    // Fig. 5b needs metrics.jsonl training curves, which the fixture has none of: skipped with its reason.
    assert.deepEqual(r.skipped.map((s) => s.id), ['krajewski.fig5b']);
    assert.equal(r.browserStartSeconds, 0);
    for (const f of ['krajewski/fig1a.json', 'krajewski/fig1a.html', 'yun/fig3.json', 'krajewski/table1.md', 'yun/table1.html', 'chinchilla/isoflop.html']) {
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing`);
    }
    const gallery = fs.readFileSync(r.gallery, 'utf8');
    assert.match(gallery, /<script src="plotly\.min\.js"><\/script>/);
    assert.doesNotMatch(gallery, /https?:\/\/(?!www\.w3\.org)/, 'the gallery must not load anything from the network');
    assert.ok(fs.readFileSync(path.join(outDir, 'plotly.min.js')).equals(fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'))));
    assert.equal(fs.existsSync(path.join(outDir, 'plotly.js')), false, 'the bundle is written once, minified');
    assert.match(fs.readFileSync(path.join(outDir, 'krajewski/fig1a.html'), 'utf8'), /<script src="\.\.\/plotly\.min\.js"><\/script>/);
    // every page's scripts resolve inside the folder, so a copy of the folder is self-contained
    const pages = fs.readdirSync(outDir, { recursive: true }).map(String).filter((f) => f.endsWith('.html'));
    for (const page of pages) {
      for (const m of fs.readFileSync(path.join(outDir, page), 'utf8').matchAll(/<script src="([^"]+)"/g)) {
        const target = path.resolve(path.dirname(path.join(outDir, page)), m[1]!);
        assert.ok(target.startsWith(outDir + path.sep), `${page} loads ${m[1]} from outside the figures folder`);
        assert.ok(fs.existsSync(target), `${page} loads ${m[1]}, which is not in the folder`);
      }
    }
    assert.deepEqual(fs.readdirSync(outDir).filter((f) => f.includes('.tmp-')), []);
    const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.written.length, r.written.length);
  });

  it('a copied figures folder renders offline: the figure page draws its plot in Chromium from the copy', { skip: chromium ? false : 'no Chromium here (scripts/setup-system.sh installs it)' }, async () => {
    const outDir = tmp();
    await exportFigures({ inputs: fixtureInputs(), outDir, formats: ['html'], only: ['krajewski.fig4'] });
    const copy = path.join(tmp(), 'copied-figures');
    fs.cpSync(outDir, copy, { recursive: true });
    fs.rmSync(outDir, { recursive: true });
    const { chromium: pw } = await import('playwright-core');
    const { CHROMIUM_FLAGS } = await import('../../src/figures/render');
    const browser = await pw.launch({ executablePath: chromium, args: [...CHROMIUM_FLAGS] });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${path.join(copy, 'krajewski', 'fig4.html')}`);
      await page.waitForSelector('#figure .main-svg', { timeout: 30_000 });
      assert.ok((await page.locator('#figure .scatterlayer .trace').count()) > 0, 'the copy draws its traces');
    } finally {
      await browser.close();
    }
  });

  it('skips figures whose inputs are missing, with the reason in the gallery', async () => {
    const outDir = tmp();
    // No fit records: Yun Fig. 3 needs the experts fit and is skipped with the reason; Fig. 4 draws the points.
    const r = await exportFigures({ inputs: fixtureInputs(), outDir, formats: ['json'], only: ['yun.fig3', 'krajewski.fig4'] });
    assert.deepEqual(r.written.map((w) => w.id), ['krajewski.fig4']);
    assert.equal(r.skipped[0]!.id, 'yun.fig3');
    assert.match(fs.readFileSync(r.gallery, 'utf8'), /Not drawn: yun\.fig3: needs the experts law fitted on our runs/);
  });

  it('renders PNG and SVG with one headless Chromium', { skip: chromium ? false : 'Chromium absent (/usr/bin/chromium); CI installs it via scripts/setup-system.sh' }, async () => {
    const outDir = tmp();
    const r = await exportFigures({ inputs: fixtureInputs(), outDir, formats: ['png', 'svg'], only: ['krajewski.fig4', 'yun.table1'] });
    const png = fs.readFileSync(path.join(outDir, 'krajewski/fig4.png'));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(png.readUInt32BE(16) >= 1000, 'PNG is rendered at 2× the layout width');
    const svg = fs.readFileSync(path.join(outDir, 'krajewski/fig4.svg'), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /granularity G/);
    assert.ok(r.browserStartSeconds > 0);
  });
});

describe('committed reference results', () => {
  it('every HTML page under results/reference/<preset>/ loads its scripts from inside that folder (a copy renders offline)', () => {
    const refRoot = path.resolve(__dirname, '..', '..', 'results', 'reference');
    let checked = 0;
    for (const preset of fs.readdirSync(refRoot).filter((d) => fs.statSync(path.join(refRoot, d)).isDirectory())) {
      const base = path.join(refRoot, preset);
      const pages = fs.readdirSync(base, { recursive: true }).map(String).filter((f) => f.endsWith('.html'));
      checked += pages.length;
      for (const page of pages) {
        for (const m of fs.readFileSync(path.join(base, page), 'utf8').matchAll(/<script src="([^"]+)"/g)) {
          const target = path.resolve(path.dirname(path.join(base, page)), m[1]!);
          assert.ok(target.startsWith(base + path.sep), `results/reference/${preset}/${page} loads ${m[1]} from outside its results folder`);
          assert.ok(fs.existsSync(target), `results/reference/${preset}/${page} loads ${m[1]}, which is not committed`);
        }
      }
    }
    assert.ok(checked > 0, 'the tiny reference holds HTML pages');
  });
});
