import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { releasedCurvesFigure, releasedRunLabel } from '../../src/figures/clark/curves';
import { FigureInputError } from '../../src/figures/types';
import { CLARK_ROUTING_FORMAT, parseReleasedTable } from '../../src/runs/released';
import { matchSnapshot } from './snapshot';

const FIXTURE = path.join(__dirname, '..', 'runs', 'released', 'fixtures', 'clark-mini.csv');
const table = parseReleasedTable(fs.readFileSync(FIXTURE, 'utf8'), 'clark-mini.csv', CLARK_ROUTING_FORMAT, { table: 'clark-mini' });

test('clark.curves draws one line per run from the first evaluation after step 0, skipping evaluations without the loss, and says so', () => {
  const spec = releasedCurvesFigure(table, table.runs);
  assert.equal(spec.paper, 'clark');
  assert.equal(spec.data.length, 6);
  assert.deepEqual(spec.data.map((d) => d.name), ['Dense 15M (#0)', 'Dense 15M k 2 (#5)', 'S-Base 15M E 8 (#1)', 'RL-R 15M E 8 rf 0.25 (#3)', 'S-Base 15M E 8 (#4)', 'Hash 15M E 64 (#2)']);
  assert.deepEqual(spec.data[0].x, [50000, 100000, 150000, 199000]);
  // run 1 has no loss_validation at step 198000 (only loss_pile was evaluated there)
  assert.deepEqual(spec.data[2].x, [50000, 100000, 150000, 199000]);
  assert.deepEqual(spec.notes, ['points left out where the table has no loss_validation: run 1: 1 evaluation without loss_validation']);
  assert.match(spec.caption, /run 1: 1 evaluation without loss_validation/);
  assert.equal(releasedRunLabel(table.runs[3]), 'RL-R 15M E 8 rf 0.25 (#3)');
  matchSnapshot('clark.curves', spec);
});

test('clark.curves: another loss column and a start step; no runs or an unknown loss is a FigureInputError', () => {
  const spec = releasedCurvesFigure(table, table.runs.slice(2, 3), { loss: 'loss_c4', fromStep: 0 });
  assert.deepEqual(spec.data[0].x, [0, 150000, 199000], 'run 2 has no loss_c4 at 50000 and no evaluation at 100000');
  assert.throws(() => releasedCurvesFigure(table, []), (e: unknown) => e instanceof FigureInputError && /no runs to draw/.test(e.message));
  assert.throws(() => releasedCurvesFigure(table, table.runs, { loss: 'loss_x' as 'loss_c4' }), (e: unknown) => e instanceof FigureInputError && /loss_x is not a loss column/.test(e.message));
});
