import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clarkLossVsExperts, clarkLossVsParams, type ClarkPanel } from '../../src/figures/clark/eq1';
import { FigureInputError } from '../../src/figures/types';
import { PUBLISHED } from '../../src/laws/published';
import { predictLoss } from '../../src/laws/predict';
import { clarkTable, plantedEq1Runs } from '../runs/released/clark-synthetic';

const sBase = PUBLISHED.clark.sBase.values;
const runs = clarkTable(plantedEq1Runs(sBase, 'S-Base', 0)).runs;
const panel: ClarkPanel = { router: 'S-Base', runs, coefficients: sBase, published: sBase };

describe("Clark et al.'s Eq. 1 against released runs", () => {
  it('loss vs N: one marker series per E, and the dashed Eq. 1 per E passes through noiseless planted runs', () => {
    const spec = clarkLossVsParams([panel]);
    const markers = spec.data.filter((t) => t.mode === 'markers');
    assert.equal(markers.length, 10);
    const e8 = spec.data.find((t) => t.name === 'E = 8, Eq. 1 (ours)')!;
    const n = e8.x[5]!;
    assert.ok(Math.abs(e8.y[5]! / predictLoss('clark', sBase, [n, 8]) - 1) < 1e-12);
    for (const r of runs) assert.ok(Math.abs(r.valLoss / predictLoss('clark', sBase, [r.paramsDense, r.experts]) - 1) < 1e-5, `${r.runId} ${r.valLoss}`);
    assert.match(spec.caption, /Dotted: the published coefficients/);
  });
  it('loss vs E: one series per model size on a log2 axis of expert counts', () => {
    const spec = clarkLossVsExperts([panel]);
    assert.equal(spec.data.filter((t) => t.mode === 'markers').length, 6);
    assert.deepEqual(spec.layout.xaxis?.tickvals?.slice(0, 3), [1, 2, 4]);
  });
  it('a router whose fit failed is drawn without a curve and named in the caption; no panel or no runs is an error', () => {
    const spec = clarkLossVsParams([{ router: 'Hash', runs, why: 'planted failure' }]);
    assert.equal(spec.data.filter((t) => t.mode === 'lines').length, 0);
    assert.match(spec.caption, /Hash: no fitted curve \(planted failure\)/);
    assert.throws(() => clarkLossVsParams([]), (e: unknown) => e instanceof FigureInputError && /released-fit/.test(e.message));
    assert.throws(() => clarkLossVsExperts([{ router: 'RL-R', runs: [] }]), /RL-R: no runs/);
  });
});
