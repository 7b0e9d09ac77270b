import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { exportFigures } from '../../src/figures/export';
import { findChromium } from '../../src/figures/render';
import { fixtureInputs } from './fixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-figures-'));
const chromium = findChromium();

describe('exportFigures', () => {
  it('writes json/html per figure, md/html per table, and an offline gallery with plotly beside it (no browser needed)', async () => {
    const outDir = tmp();
    const r = await exportFigures({ inputs: fixtureInputs(), outDir, formats: ['json', 'html'] });
    assert.equal(r.skipped.length, 0);
    assert.equal(r.browserStartSeconds, 0);
    for (const f of ['krajewski/fig1a.json', 'krajewski/fig1a.html', 'yun/fig3.json', 'krajewski/table1.md', 'yun/table1.html', 'chinchilla/isoflop.html']) {
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing`);
    }
    const gallery = fs.readFileSync(r.gallery, 'utf8');
    assert.match(gallery, /<script src="plotly\.js"><\/script>/);
    assert.doesNotMatch(gallery, /https?:\/\/(?!www\.w3\.org)/, 'the gallery must not load anything from the network');
    assert.equal(fs.statSync(path.join(outDir, 'plotly.js')).size, fs.statSync(require.resolve('plotly.js-dist/plotly.js')).size);
    assert.match(fs.readFileSync(path.join(outDir, 'krajewski/fig1a.html'), 'utf8'), /<script src="\.\.\/plotly\.js"><\/script>/);
    assert.deepEqual(fs.readdirSync(outDir).filter((f) => f.includes('.tmp-')), []);
    const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.written.length, r.written.length);
  });

  it('skips figures whose inputs are missing, with the reason in the gallery', async () => {
    const outDir = tmp();
    const { runs } = fixtureInputs();
    const r = await exportFigures({ inputs: { runs }, outDir, formats: ['json'], only: ['krajewski.fig1a', 'krajewski.fig4'] });
    assert.deepEqual(r.written.map((w) => w.id), ['krajewski.fig4']);
    assert.equal(r.skipped[0]!.id, 'krajewski.fig1a');
    assert.match(fs.readFileSync(r.gallery, 'utf8'), /Not drawn: krajewski\.fig1a: Fig\. 1a curves not available/);
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
