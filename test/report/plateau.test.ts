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
