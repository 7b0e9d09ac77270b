import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLISHED } from '../../src/laws/published';
import { fitReleasedSet } from '../../src/laws/released';
import { buildReport } from '../../src/report/build';
import { compareToPublished, eq1Log10Rmse, publishedPrediction } from '../../src/report/clark';
import { toMarkdown } from '../../src/report/document';
import { releasedFitSetRuns, releasedImportManifest, type ReleasedFitSet } from '../../src/runs/released';
import { clarkTable, plantedEq1Runs } from '../runs/released/clark-synthetic';
import { recordWithSamples } from './claims-fixtures';

const S_BASE = PUBLISHED.clark.sBase.values;

describe('our Eq. 1 coefficients next to the published ones', () => {
  test('each coefficient gets a computed sentence: inside, below or above our interval (by how many half-widths), with a caution where the bootstrap does not identify it', () => {
    const full = { ...S_BASE, a: -0.09, d: 1.2 };
    // intervals = [min, max] of the samples: a in [-0.095, -0.085] (published -0.082 above), d in [1.19, 1.21] (1.104 below), the rest around the published values
    const samples = [
      { ...full, a: -0.095, b: -0.12, c: 0.008, d: 1.19, eStart: 1.5, eMax: 200 },
      { ...full, a: -0.085, b: -0.1, c: 0.01, d: 1.21, eStart: 2.5, eMax: 900 },
    ];
    const record = recordWithSamples('clark', full, samples, {
      identification: {
        identified: false,
        coefficients: [{ coefficient: 'eMax', relativeWidth: 3, identified: false }],
        summary: 'not identified: eMax',
      },
    });
    const rows = compareToPublished(record, S_BASE, "Clark et al.'s");
    const by = Object.fromEntries(rows.map((r) => [r.coefficient, r]));
    assert.deepEqual(rows.map((r) => [r.coefficient, r.inside]), [['a', false], ['b', true], ['c', true], ['d', false], ['eStart', true], ['eMax', true]]);
    assert.equal(by.a!.sentence, "a: Clark et al.'s -0.082 lies above our 95% interval [-0.095, -0.085] (ours -0.09), by 0.003 (0.6 half-widths).");
    assert.equal(by.d!.sentence, "d: Clark et al.'s 1.104 lies below our 95% interval [1.19, 1.21] (ours 1.2), by 0.086 (8.6 half-widths).");
    assert.equal(by.b!.sentence, "b: Clark et al.'s -0.108 lies inside our 95% interval [-0.12, -0.1] (ours -0.108).");
    assert.match(by.eMax!.sentence, /^E_max: Clark et al.'s 314.5 lies inside .* Our interval is wider than the estimate itself \(the runs do not identify E_max\), so this comparison says little\.$/);
    assert.doesNotMatch(by.b!.sentence, /says little/);
  });

  test('without a bootstrap or a published value the sentence says so instead of deciding', () => {
    const record = { ...recordWithSamples('clark', S_BASE, [S_BASE]), bootstrap: null };
    const [a] = compareToPublished(record, S_BASE);
    assert.equal(a!.inside, null);
    assert.match(a!.sentence, /^a: ours -0.082 has no bootstrap interval, so whether the published value -0.082 is consistent with these runs is not decided\.$/);
    const [b] = compareToPublished(recordWithSamples('clark', S_BASE, [S_BASE]), undefined);
    assert.equal(b!.inside, null);
    assert.match(b!.sentence, /no published value to compare/);
  });

  test('on a table planted from the published values without noise, the printed values predict it exactly and draws within their rounding do worse', () => {
    const table = clarkTable(plantedEq1Runs(S_BASE, 'S-Base', 0));
    assert.ok(eq1Log10Rmse(S_BASE, table.runs) < 1e-6, 'planted without noise: the printed values are exact');
    const p = publishedPrediction(S_BASE, table.runs);
    assert.ok(p.lo > p.printed && p.hi > p.lo, `${JSON.stringify(p)}`);
    assert.ok(p.maxCross > 15 && p.maxCross < 30, String(p.maxCross));
  });
});

describe('the released report', () => {
  test("a released preset's report gives, per router, our coefficients with intervals next to Clark et al.'s, the computed sentences and the prediction comparison, and no section about our own runs", () => {
    const table = clarkTable(plantedEq1Runs(S_BASE, 'S-Base', 0.002));
    const set: ReleasedFitSet = { id: 's-base', router: 'S-Base', filter: {}, description: 'S-Base runs with the dense runs' };
    const record = fitReleasedSet('clark', table.runs, set, { resamples: 30 });
    const missing: ReleasedFitSet = { id: 'hash', router: 'Hash', filter: {}, description: 'Hash runs' };
    const md = toMarkdown(
      buildReport({
        preset: 'clark',
        runs: [],
        fits: [],
        figures: [],
        environment: { node: 'v20' },
        stageSeconds: [{ stage: 'released-fit', instances: 3, seconds: 9 }],
        released: {
          manifest: releasedImportManifest(table, { ref: 'synthetic.csv' }),
          fits: [
            { set, record, runs: releasedFitSetRuns(table.runs, set) },
            { set: missing, record: undefined, runs: [] },
          ],
        },
      }),
    );
    assert.match(md, /^# moelab reproduction report \(preset clark\)$/m);
    assert.match(md, /Released runs, not ours: 60 runs of `synthetic-clark`/);
    assert.match(md, /^### S-Base$/m);
    assert.match(md, /^\| a \| -0\.08\d* \| \[-0\.0\d+, -0\.0\d+\] \| -0\.082 \| (yes|\*\*no\*\*) \|$/m);
    assert.equal(md.match(/^- (a|b|c|d|E_start|E_max): Clark et al.'s /gm)?.length, 6, 'one sentence per coefficient');
    assert.match(md, /Predictions on these 60 runs: RMSE of log10 loss/);
    assert.match(md, /Hash: no fit record \(released-fit@hash did not run\)\./);
    assert.doesNotMatch(md, /Krajewski et al\. 2024: fine-grained MoE|training runs:/);
  });
});
