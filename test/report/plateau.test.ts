/** The off-plateau diagnostic must fail, hold and stay inconclusive on planted run tables (src/report/claims/plateau.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offPlateau, PLATEAU_MARGIN_NATS } from '../../src/report/claims';
import { fineGrainedTable } from './claims-fixtures';

const H = 3.02;

describe('moelab.off-plateau: every run ends more than the margin below the unigram entropy', () => {
  it('holds when every configuration ends well below H (seed replicates measure the noise)', () => {
    const runs = fineGrainedTable({ loss: (c) => 2.3 + 1e4 / c.tokens, noise: 0.005, seeds: 2 });
    const d = offPlateau({ runs, unigramEntropyNats: H });
    assert.equal(d.verdict, 'holds', d.reason);
    assert.ok(d.cases!.every((c) => c.verdict === 'holds'));
  });
  it('fails and names the run when one configuration ends at the unigram entropy, even though the rest are far below', () => {
    const runs = fineGrainedTable({ loss: (c) => (c.dense && c.tokens === 64e3 ? H + 0.01 : 2.3), noise: 0.005, seeds: 2 });
    const d = offPlateau({ runs, unigramEntropyNats: H });
    assert.equal(d.verdict, 'fails');
    assert.match(d.reason!, /dense-d32-t64000/);
    assert.equal(d.cases!.filter((c) => c.verdict === 'fails').length, 3, 'the dense 64k run of each of the three sizes');
  });
  it('is inconclusive when a configuration sits at the threshold within the run-to-run noise', () => {
    const runs = fineGrainedTable({ loss: (c) => (c.dense && c.tokens === 64e3 ? H - PLATEAU_MARGIN_NATS : 2.3), noise: 0.03, seeds: 2, seed: 3 });
    const d = offPlateau({ runs, unigramEntropyNats: H });
    assert.equal(d.verdict, 'inconclusive', d.evidence);
    assert.match(d.reason!, /undecided within noise/);
  });
  it('is inconclusive without seed replicates: one run per configuration measures no noise', () => {
    const runs = fineGrainedTable({ loss: () => 2.3, noise: 0.005 });
    const d = offPlateau({ runs, unigramEntropyNats: H });
    assert.equal(d.verdict, 'inconclusive');
    assert.match(d.evidence, /no seed replicates/);
  });
});

describe('the report shows the plateau diagnostic beside the claims', () => {
  it('a verdict row with its evidence, and a table naming each configuration that does not hold', async () => {
    const { buildReport } = await import('../../src/report/build');
    const { toMarkdown } = await import('../../src/report/document');
    const runs = fineGrainedTable({ loss: (c) => (c.dense && c.tokens === 64e3 ? H + 0.01 : 2.3), noise: 0.005, seeds: 2 });
    const diagnostic = offPlateau({ runs, unigramEntropyNats: H });
    const md = toMarkdown(
      buildReport({
        preset: 'planted',
        runs,
        fits: [],
        figures: [],
        environment: {},
        stageSeconds: [],
        claims: { protocol: 'paper', claims: [], published: [], sensitivity: [], diagnostics: [diagnostic] },
      }),
    );
    assert.match(md, /\| Every run leaves the unigram plateau: .* \| \*\*fails\*\* \|/);
    assert.match(md, /moelab\.off-plateau: the configurations that do not hold \(3 of \d+\)/);
    assert.match(md, /^\| dense-d32-t64000-s0, dense-d32-t64000-s1 \(valLoss 3\.0\d*\) \| \*\*fails\*\* \|/m);
  });
});
