import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FitError } from '../../src/laws/errors';
import { LAWS } from '../../src/laws/forms';
import { PUBLISHED } from '../../src/laws/published';
import { fitReleasedSet } from '../../src/laws/released';
import { fitRecordJson, parseFitRecord } from '../../src/laws/record';
import { clarkFitSets, readClarkRouting, releasedFitSetRuns, releasedFitSets } from '../../src/runs/released';
import { clarkTable, plantedEq1Runs } from '../runs/released/clark-synthetic';

describe('released fit sets', () => {
  test("Clark's vendored table has one fit set per router (S-Base, RL-R, Hash), each the notebook's runs of that router plus the dense runs", () => {
    const sets = releasedFitSets('clark');
    assert.deepEqual(sets.map((s) => [s.id, s.router]), [['s-base', 'S-Base'], ['rl-r', 'RL-R'], ['hash', 'Hash']]);
    const table = readClarkRouting();
    const notebook = clarkFitSets(table.runs);
    for (const s of sets) {
      const ids = releasedFitSetRuns(table.runs, s).map((r) => r.runId);
      assert.deepEqual(ids, notebook[s.router as keyof typeof notebook].runs.map((r) => r.runId), s.id);
    }
  });

  test('a table that is not vendored has one fit set of every run', () => {
    const sets = releasedFitSets('my-runs.csv');
    assert.deepEqual(sets.map((s) => [s.id, s.router]), [['all', null]]);
    const table = clarkTable(plantedEq1Runs(PUBLISHED.clark.sBase.values, 'S-Base', 0.002).slice(0, 12));
    assert.equal(releasedFitSetRuns(table.runs, sets[0]!).length, 12);
  });
});

describe('fitReleasedSet', () => {
  // Eq. 1 with Clark's published S-Base values, 0.2% noise; an RL-R run that must not enter the S-Base fit
  const runs = [...plantedEq1Runs(PUBLISHED.clark.sBase.values, 'S-Base', 0.002), { router: 'RL-R' as const, experts: 8, paramsDense: 57.4e6, finalLoss: 9 }];
  const table = clarkTable(runs);
  const set = { id: 's-base', router: 'S-Base', filter: { topK: [1] }, description: 'S-Base runs with the dense runs' };

  test("Eq. 1 on a planted S-Base table gives an ok record of that router's and the dense runs, with bootstrap intervals that cover the planted a, c and d", () => {
    const record = fitReleasedSet('clark', table.runs, set, { resamples: 40 });
    assert.equal(record.status, 'ok', record.error);
    assert.equal(record.nRuns, 60);
    assert.ok(!record.runIds.some((id) => id.endsWith(`/${runs.length - 1}`)), 'the RL-R run is not in the S-Base set');
    assert.match(record.runSet ?? '', /^S-Base runs with the dense runs \(6 dense \+ 54 routed runs\)$/);
    assert.equal(record.protocol.id, 'paper');
    assert.equal(record.bootstrap?.scheme.resamples, 40);
    for (const k of ['a', 'c', 'd'] as const) {
      const iv = record.bootstrap!.coefficients[k]!;
      const planted = PUBLISHED.clark.sBase.values[k];
      assert.ok(iv.lo <= planted && planted <= iv.hi, `${k}: planted ${planted} outside [${iv.lo}, ${iv.hi}]`);
    }
    const back = parseFitRecord(fitRecordJson(record), 'clark-s-base.json');
    assert.equal(back.runSet, record.runSet, 'runSet survives the record schema');
  });

  test('a protocol that fits a loss released runs do not have is a FitError naming the column and why', () => {
    const protocol = { ...LAWS.clark.protocols.paper, target: 'trainLossSmoothed' as const };
    assert.throws(
      () => fitReleasedSet('clark', table.runs, set, { protocol, resamples: 0 }),
      (e: unknown) => e instanceof FitError && /fits trainLossSmoothed, which released runs do not have \(released tables give evaluation losses only\)/.test(e.message),
    );
  });
});
