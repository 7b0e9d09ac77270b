import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFinite } from '../../src/util/all-finite';
import { logspace } from '../../src/util/logspace';
import { pidAlive } from '../../src/util/pid-alive';

test('allFinite is false as soon as one entry is NaN or infinite, and true for an empty array', () => {
  assert.equal(allFinite([1, -2, 0]), true);
  assert.equal(allFinite(new Float64Array([1, NaN])), false);
  assert.equal(allFinite([Infinity]), false);
  assert.equal(allFinite([]), true);
});

test('logspace spans lo to hi inclusive on a log scale; one point is lo, none is empty', () => {
  assert.deepEqual(logspace(1, 100, 3), [1, 10, 100]);
  assert.deepEqual(logspace(5, 50, 1), [5]);
  assert.deepEqual(logspace(5, 50, 0), []);
});

test('pidAlive is true for this process and false for pids that cannot exist', () => {
  assert.equal(pidAlive(process.pid), true);
  assert.equal(pidAlive(0), false);
  assert.equal(pidAlive(-1), false);
  assert.equal(pidAlive(1.5), false);
});
