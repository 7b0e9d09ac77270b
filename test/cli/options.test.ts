import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNumberList, parseNumberOption, SPECS, UsageError } from '../../src/cli/options';

const refuses = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof UsageError && e.exitCode === 2 && pattern.test(e.message));

describe('parseNumberOption: one reading of numbers for every moelab command', () => {
  it('reads decimals, exponents and the magnitude suffixes k/K, M, B, T where the option takes them', () => {
    const count = (v: string) => parseNumberOption('--params-dense', v, SPECS.count);
    assert.equal(count('7e9'), 7e9);
    assert.equal(count('7B'), 7e9);
    assert.equal(count('1.5M'), 1.5e6);
    assert.equal(count('70k'), 7e4);
    assert.equal(count('2T'), 2e12);
    assert.equal(count(' 1E+3 '), 1000);
    assert.equal(count('.5'), 0.5);
    assert.equal(parseNumberOption('--bootstrap', '1e3', SPECS.nonNegativeInteger), 1000);
  });

  it('refuses text, hexadecimal, Infinity/NaN, overflow, separators and unknown suffixes, naming the flag and an example', () => {
    const count = (v: string) => () => parseNumberOption('--params-dense', v, SPECS.count);
    refuses(count('abc'), /^--params-dense "abc" is not a number; write a number > 0, e\.g\. --params-dense 7e9 or 7B$/);
    refuses(count('0x10'), /hexadecimal/);
    refuses(count('0b101'), /hexadecimal\/octal\/binary/);
    refuses(count('Infinity'), /is not a finite number/);
    refuses(count('NaN'), /is not a finite number/);
    refuses(count('1e400'), /overflows to Infinity/);
    refuses(count('1_000'), /digit separators/);
    refuses(count('7m'), /unknown suffix \(known: k, K, M, B, T\)/);
    refuses(count(''), /is empty/);
    refuses(() => parseNumberOption('--seed', '7B', SPECS.seed), /has a suffix, which this option does not take/);
  });

  it('enforces the range and integrality of each kind of option', () => {
    refuses(() => parseNumberOption('--params-dense', '0', SPECS.count), /is zero/);
    refuses(() => parseNumberOption('--params-dense', '-1e9', SPECS.count), /is negative/);
    refuses(() => parseNumberOption('--bootstrap', '-5', SPECS.nonNegativeInteger), /is too small; write a whole number ≥ 0/);
    refuses(() => parseNumberOption('--bootstrap', '2.5', SPECS.nonNegativeInteger), /is not a whole number/);
    refuses(() => parseNumberOption('--level', '1', SPECS.openFraction), /is too large; write a number > 0 and < 1/);
    refuses(() => parseNumberOption('--seed', String(2 ** 32), SPECS.seed), /too large; write a whole number from 0 to 4294967295/);
    assert.equal(parseNumberOption('--holdout', '0', SPECS.fraction), 0);
  });
});

describe('parseNumberList: a bad element is refused by position, never dropped', () => {
  it('keeps every element in order and refuses the bad one', () => {
    assert.deepEqual(parseNumberList('--flops', '1e21, 5.88e23', SPECS.count), [1e21, 5.88e23]);
    refuses(() => parseNumberList('--flops', '1e21,abc,-5', SPECS.count), /^--flops "1e21,abc,-5": element 2 "abc" is not a number/);
    refuses(() => parseNumberList('--flops', '1e21,,1e22', SPECS.count), /element 2 "" is empty/);
    refuses(() => parseNumberList('--flops', ',', SPECS.count), /--flops is empty/);
  });
});
