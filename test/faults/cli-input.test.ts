/**
 * Fault matrix of issue #17, cases 30–38: bad input to `moelab fit`, `optimal` and `inference`, through the built
 * CLI (`node bin/moelab.js`, as a user runs it). Every case must exit 2 with one line naming the file, line and
 * column (or the flag), the value and the fix, write nothing (`--out` stays absent), and print no stack or wall
 * of parser errors; good input next to each bad case must keep working (so a check that always refuses fails).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { syntheticObservations } from '../../src/laws/synthetic';

const REPO = path.resolve(__dirname, '..', '..');
const MOELAB = path.join(REPO, 'bin', 'moelab.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cli-input-'));

function moelab(...args: string[]) {
  const r = spawnSync(process.execPath, [MOELAB, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, MOELAB_SKIP_SYSTEM_SETUP: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, one short message on stderr matching `pattern`, nothing on stdout, no stack trace. */
function refused(r: ReturnType<typeof moelab>, pattern: RegExp) {
  assert.equal(r.status, 2, `exit ${r.status}; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(r.stderr.length < 600, `one short message, got ${r.stderr.length} chars: ${r.stderr.slice(0, 300)}`);
  assert.equal(r.stdout, '');
}

// A well-posed Chinchilla data set (60 points planted from the law): the good input every bad case is a variant of.
const obs = syntheticObservations('chinchilla', { seed: 3, nPoints: 60 });
const goodRows = obs.x.map((x, i) => `${x[0]},${x[1]},${obs.loss[i]}`);
const csv = (name: string, text: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const GOOD = csv('good.csv', `params,tokens,loss\n${goodRows.join('\n')}\n`);
const fit = (file: string, ...extra: string[]) => {
  const out = path.join(dir, `${path.basename(file)}.fit.json`);
  const r = moelab('fit', '--law', 'chinchilla', '--runs', file, '--fitter', 'varpro', '--out', out, '--no-progress', ...extra);
  return { ...r, wrote: fs.existsSync(out) };
};
/** The good table with line `line` (1-based, 1 = header) replaced. */
const withLine = (line: number, text: string) => {
  const lines = [`params,tokens,loss`, ...goodRows];
  lines[line - 1] = text;
  return lines.join('\n') + '\n';
};

describe('fault matrix 30–33: bad fit CSVs are refused naming the file, line and column', () => {
  it('the good table fits (exit 0) and writes --out', () => {
    const r = fit(GOOD);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.wrote);
  });

  it('case 30: empty file, missing column, non-numeric, ≤ 0, NaN, one row, 1e400, empty cell, Infinity', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['empty', '', /empty\.csv is empty; it needs a header line/],
      ['missing-column', `params,loss\n1e8,3\n2e8,2.9\n`, /has no column "tokens"; needed columns: params, tokens, loss \(found: params, loss\)/],
      ['non-numeric', withLine(3, '1e8,lots,3.1'), /line 3, column "tokens": "lots" is not a number/],
      ['zero', withLine(4, '0,1e9,3.1'), /line 4, column "params": "0" is zero/],
      ['negative', withLine(4, '1e8,-1e9,3.1'), /line 4, column "tokens": "-1e9" is negative/],
      ['nan', withLine(5, '1e8,1e9,NaN'), /line 5, column "loss": "NaN" is not a finite number/],
      ['inf400', withLine(6, '1e400,1e9,3'), /line 6, column "params": "1e400" is outside the range of a float64/],
      ['empty-cell', withLine(7, '1e8,,3'), /line 7, column "tokens": "" is empty/],
      ['infinity', withLine(8, '1e8,Infinity,3'), /line 8, column "tokens": "Infinity" is not a finite number/],
      ['hex', withLine(9, '0x10,1e9,3'), /line 9, column "params": "0x10" is a hexadecimal\/octal\/binary literal/],
    ];
    for (const [name, text, pattern] of cases) {
      const r = fit(csv(`${name}.csv`, text));
      refused(r, pattern);
      assert.match(r.stderr, new RegExp(`${name}\\.csv`), `${name}: the message names the file`);
      assert.equal(r.wrote, false, `${name}: nothing written`);
    }
    // one row: fewer observations than the law has parameters
    const one = fit(csv('one-row.csv', `params,tokens,loss\n${goodRows[0]}\n`));
    refused(one, /chinchilla has 5 parameters but only 1 observations were given: need at least 6 runs .*select more runs|need at least 6 runs/);
  });

  it('case 31: header only, short and long rows, a binary file (one line, not a wall of parser errors)', () => {
    refused(fit(csv('header-only.csv', 'params,tokens,loss\n')), /header-only\.csv has a header but no rows/);
    refused(fit(csv('short.csv', withLine(3, '1e8,1e9'))), /short\.csv, line 3: 2 field\(s\), but the header has 3 \(params, tokens, loss\)/);
    refused(fit(csv('long.csv', withLine(5, '1e8,1e9,3,7'))), /long\.csv, line 5: 4 field\(s\), but the header has 3/);
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    const bin = fit(csv('binary.csv', bytes));
    refused(bin, /binary\.csv is not a text CSV: byte \d+ is .*; pass a comma-separated text file/);
    assert.doesNotMatch(bin.stderr, /Too many fields/);
    refused(fit(csv('latin1.csv', Buffer.concat([Buffer.from('params,tokens,loss\n1e8,1e9,3\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]))), /latin1\.csv is not a text CSV: byte \d+ is 0xe9, which is not UTF-8 text/);
  });

  it('case 32: a duplicated header is refused, not renamed', () => {
    refused(fit(csv('dup.csv', `params,tokens,loss,tokens\n${goodRows.map((r) => `${r},1`).join('\n')}\n`)), /dup\.csv: column "tokens" appears twice in the header \(columns 2 and 4\); rename or drop one/);
  });

  it('case 33: values far outside any real run (1e300 parameters) fit with a warning naming the row', () => {
    const r = fit(csv('huge.csv', withLine(3, `1e300,${obs.x[1]![1]},${obs.loss[1]}`)), '--allow-edge');
    assert.match(r.stderr, /warning: params = 1\.000e\+300 \(.*huge\.csv line 3\) is outside any plausible range for params \(100–1e15\); check the column's units/);
    const report = r.wrote ? JSON.parse(fs.readFileSync(path.join(dir, 'huge.csv.fit.json'), 'utf8')) : undefined;
    if (report) assert.match(report.warnings.join('\n'), /1\.000e\+300/);
    // the planted table raises no such warning
    assert.doesNotMatch(fit(GOOD).stderr, /plausible range/);
  });
});

describe('fault matrix 34–38: numeric options are parsed in one place and refuse nonsense with exit 2', () => {
  it('case 34: fit --bootstrap abc|-5|2.5, --holdout -0.2|1, --seed xyz, --level 1.5', () => {
    refused(fit(GOOD, '--bootstrap', 'abc'), /UsageError: --bootstrap "abc" is not a number; write a whole number .*e\.g\. --bootstrap 1000/);
    refused(fit(GOOD, '--bootstrap', '-5'), /--bootstrap "-5" is too small/);
    refused(fit(GOOD, '--bootstrap', '2.5'), /--bootstrap "2\.5" is not a whole number/);
    refused(fit(GOOD, '--holdout', '-0.2'), /--holdout "-0\.2" is too small; write a number ≥ 0 and < 1/);
    refused(fit(GOOD, '--holdout', '1'), /--holdout "1" is too large/);
    refused(fit(GOOD, '--seed', 'xyz'), /--seed "xyz" is not a number/);
    refused(fit(GOOD, '--level', '1.5'), /--level "1\.5" is too large; write a number > 0 and < 1/);
    // and the good values work: 1e1 resamples is 10
    const ok = fit(GOOD, '--bootstrap', '1e1', '--seed', '7', '--holdout', '0.2');
    assert.equal(ok.status, 0, ok.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'good.csv.fit.json'), 'utf8'));
    assert.equal(report.bootstrap.scheme.resamples, 10);
    assert.equal(report.bootstrap.seed, 7);
  });

  it('case 35: optimal --flops abc and 1e21,abc,-5 name the bad element instead of dropping it', () => {
    refused(moelab('optimal', '--law', 'chinchilla', '--flops', 'abc'), /--flops "abc" is not a number/);
    refused(moelab('optimal', '--law', 'chinchilla', '--flops', '1e21,abc,-5'), /--flops "1e21,abc,-5": element 2 "abc" is not a number/);
    refused(moelab('optimal', '--law', 'chinchilla', '--flops', '1e21,-5'), /--flops "1e21,-5": element 2 "-5" is negative/);
    refused(moelab('optimal', '--law', 'chinchilla', '--flops', ''), /--flops is empty/);
    const ok = moelab('optimal', '--law', 'chinchilla', '--flops', '1e21,5.88e23', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).rows.map((r: { flops: number }) => r.flops), [1e21, 5.88e23]);
  });

  it('case 36: optimal --expansion-rate -3 (and 0.5) is refused before anything is computed', () => {
    refused(moelab('optimal', '--law', 'fine-grained', '--flops', '1e20', '--expansion-rate', '-3'), /--expansion-rate "-3" is too small; write a number ≥ 1, e\.g\. --expansion-rate 64/);
    refused(moelab('optimal', '--law', 'fine-grained', '--flops', '1e20', '--expansion-rate', '0.5'), /--expansion-rate "0\.5" is too small/);
  });

  it('case 37: a bad --law or --gpu, a missing option, a missing or wrong coefficients file', () => {
    const law = moelab('fit', '--law', 'bogus', '--runs', GOOD);
    assert.equal(law.status, 2);
    assert.match(law.stderr, /option '--law <law>' argument 'bogus' is invalid\. Allowed choices are chinchilla, dense, fine-grained, experts, clark/);
    const gpu = moelab('inference', 'cost', '--params-dense', '7e9', '--gpu', 'V100');
    assert.equal(gpu.status, 2);
    assert.match(gpu.stderr, /argument 'V100' is invalid\. Allowed choices are A100-40GB, H100-80GB/);
    const missing = moelab('inference', 'cost');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /required option '--params-dense <N>' not specified/);
    refused(moelab('optimal', '--law', 'chinchilla', '--coefficients', path.join(dir, 'nope.json'), '--flops', '1e21'), /--coefficients .*nope\.json: file not found/);
    const notJson = csv('coef.json', '{"A": 1,');
    refused(moelab('optimal', '--law', 'chinchilla', '--coefficients', notJson, '--flops', '1e21'), /coef\.json is not valid JSON/);
    const partial = csv('partial.json', JSON.stringify({ A: 406.4, B: 410.7, E: 1.69 }));
    refused(moelab('optimal', '--law', 'chinchilla', '--coefficients', partial, '--flops', '1e21'), /chinchilla needs finite A, B, E, alpha, beta; missing or not finite: alpha, beta/);
    refused(moelab('inference', 'alg1', '--coefficients', partial, '--flops', '1e21'), /partial\.json: experts needs finite/);
    refused(moelab('optimal', '--law', 'experts', '--flops', '1e21'), /Yun et al\. 2024 published no coefficients/);
  });

  it('case 38: inference cost --params-dense abc|-1e9|0|0x10, --gpus 0|1e9|abc; 7B means 7e9', () => {
    for (const [value, pattern] of [
      ['abc', /--params-dense "abc" is not a number; write a number > 0, e\.g\. --params-dense 7e9 or 7B/],
      ['-1e9', /--params-dense "-1e9" is negative/],
      ['0', /--params-dense "0" is zero/],
      ['0x10', /--params-dense "0x10" is a hexadecimal\/octal\/binary literal/],
      ['7X', /--params-dense "7X" has an unknown suffix \(known: k, K, M, B, T\)/],
    ] as const) {
      refused(moelab('inference', 'cost', '--params-dense', value), pattern);
    }
    refused(moelab('inference', 'cost', '--params-dense', '7e9', '--gpus', '0'), /--gpus "0" is too small; write a whole number from 1 to 4096/);
    refused(moelab('inference', 'cost', '--params-dense', '7e9', '--gpus', '1e9'), /--gpus "1e9" is too large/);
    refused(moelab('inference', 'cost', '--params-dense', '7e9', '--prompt-tokens', 'abc'), /--prompt-tokens "abc" is not a number/);
    const sevenB = moelab('inference', 'cost', '--params-dense', '7B', '--json');
    const sevenE9 = moelab('inference', 'cost', '--params-dense', '7e9', '--json');
    assert.equal(sevenB.status, 0, sevenB.stderr);
    assert.equal(sevenB.stdout, sevenE9.stdout);
    assert.equal(JSON.parse(sevenB.stdout).model.paramsActive, 7e9);
  });
});
