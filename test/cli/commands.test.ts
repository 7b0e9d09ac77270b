/**
 * What `moelab fit`, `inference`, `compare` and `status` print and how they exit, through the built CLI, on the
 * committed tiny reference (85 runs) and on data planted from a known law: each behaviour where it must hold and
 * where it must not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { syntheticObservations } from '../../src/laws/synthetic';
import { generaliseReason, summariseByStage } from '../../src/cli/status';

const REPO = path.resolve(__dirname, '..', '..');
const REF = path.join(REPO, 'results', 'reference', 'tiny');
const RUNS = path.join(REF, 'runs.csv');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cmd-'));
const moelab = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'moelab.js'), ...args], { cwd: REPO, encoding: 'utf8' });
const json = (r: ReturnType<typeof moelab>) => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('moelab fit selects runs as the pipeline does', () => {
  it('--law offers exactly the laws the library fits', async () => {
    const { FIT_LAWS } = await import('../../src/cli/fit');
    const { LAW_NAMES } = await import('../../src/laws/coefficients');
    assert.deepEqual([...FIT_LAWS], [...LAW_NAMES]);
  });

  it("--law dense takes c from a fit of the fine-grained runs, as the fit stage does (or from --fixed)", () => {
    const r = json(moelab('fit', '--law', 'dense', '--runs', RUNS, '--allow-edge', '--json', '--no-progress'));
    assert.equal(r.fixed[0].coefficient, 'c');
    assert.match(r.fixed[0].source, /fine-grained fit of the moe runs of sweep fine-grained \(44\)/);
    assert.deepEqual(r.fit.fixed, ['c']);
    const given = json(moelab('fit', '--law', 'dense', '--runs', RUNS, '--fixed', 'c=1.2', '--allow-edge', '--json', '--no-progress'));
    assert.equal(given.fit.coefficients.c, 1.2);
    const plain = path.join(tmp(), 'dense.csv');
    fs.writeFileSync(plain, `params,tokens,loss\n${Array.from({ length: 8 }, (_, i) => `${1e5 * 2 ** i},${1e6 * 3 ** i},${3 - 0.1 * i}`).join('\n')}\n`);
    const refused = moelab('fit', '--law', 'dense', '--runs', plain);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /takes c from the fine-grained fit: pass it \(--fixed c=VALUE/);
  });

  it("fine-grained on results/runs.csv fits the pipeline's 44 MoE runs of the fine-grained sweep, not all 85", () => {
    const r = json(moelab('fit', '--law', 'fine-grained', '--runs', RUNS, '--allow-edge', '--json', '--no-progress'));
    assert.equal(r.selection.total, 85);
    assert.equal(r.selection.selected, 44);
    assert.match(r.selection.rule, /the pipeline's selection for fine-grained: the moe runs of sweep fine-grained \(44\)/);
    assert.ok(r.selection.runIds.every((id: string) => id.startsWith('fg-moe-')));
    // the pipeline's own fit of the same runs: same coefficients
    const record = JSON.parse(fs.readFileSync(path.join(REF, 'fits', 'fine-grained.json'), 'utf8'));
    assert.deepEqual([...record.runIds].sort(), [...r.selection.runIds].sort());
  });

  it('--law dense, --sweep, --family, --router and --where select other runs; a selection that matches nothing is refused', () => {
    assert.equal(json(moelab('fit', '--law', 'dense', '--runs', RUNS, '--allow-edge', '--json', '--no-progress')).selection.selected, 11);
    assert.equal(json(moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--sweep', 'experts', '--where', 'tokens>=1e5', '--allow-edge', '--json', '--no-progress')).selection.selected, 30);
    assert.equal(json(moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--router', 'token-choice', '--allow-edge', '--json', '--no-progress')).selection.selected, 24);
    const chin = json(moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--family', 'dense', '--where', 'd_model>24', '--allow-edge', '--json', '--no-progress'));
    assert.ok(chin.selection.runIds.every((id: string) => !id.includes('d24')));
    const none = moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--where', 'tokens>1e12');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no run of the 85 in the table matches .* where tokens>1e12/);
    const badColumn = moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--where', 'size>3');
    assert.equal(badColumn.status, 2);
    assert.match(badColumn.stderr, /unknown column "size"; use a run-table column: runId, sweep/);
    const badSweep = moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--sweep', 'big');
    assert.match(badSweep.stderr, /--sweep "big": no run of the table is in that sweep; its sweeps are fine-grained, experts/);
  });

  it('a grid-edge failure names the CLI flag (--allow-edge), not the API option edgePolicy', () => {
    const r = moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--no-progress');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /FitError: .*sits on or beyond its plausibility bound.* Rerun with --allow-edge/);
    assert.doesNotMatch(r.stderr, /edgePolicy|widen th/);
  });

  it('an unidentified fit is said in words (17 dense runs over 1.0–1.2 decades), never as se Infinity or an interval to 1e+28', () => {
    const r = moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--allow-edge', '--bootstrap', '100', '--no-progress');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Not identified: the 17 runs \(N over \d\.\d decades?, D over \d\.\d decades?\) do not determine /);
    assert.match(r.stdout, /^ {2}A +\S+ +not identified: 95% interval \[\S+, unbounded\)/m);
    assert.doesNotMatch(r.stdout, /Infinity|e\+2\d|e\+1\d\d/);
  });

  it('a well-posed fit (data planted from the law over 2+ decades) is reported as identified, with intervals and SEs', () => {
    const dir = tmp();
    const obs = syntheticObservations('chinchilla', { seed: 5, nPoints: 80 });
    const file = path.join(dir, 'planted.csv');
    fs.writeFileSync(file, `params,tokens,loss\n${obs.x.map((x, i) => `${x[0]},${x[1]},${obs.loss[i]}`).join('\n')}\n`);
    const r = json(moelab('fit', '--law', 'chinchilla', '--runs', file, '--fitter', 'varpro', '--bootstrap', '50', '--json', '--no-progress'));
    assert.equal(r.identification.identified, true, JSON.stringify(r.identification));
    const human = moelab('fit', '--law', 'chinchilla', '--runs', file, '--fitter', 'varpro', '--bootstrap', '50', '--no-progress');
    assert.doesNotMatch(human.stdout, /not identified/i);
    assert.match(human.stdout, /^ {2}alpha +0\.3\d+ +95% interval \[0\.\d+, 0\.\d+\], se /m);
  });

  it('long fits show progress on stderr (phases, and bootstrap resamples with the time left)', () => {
    const r = moelab('fit', '--law', 'chinchilla', '--runs', RUNS, '--allow-edge', '--bootstrap', '20');
    assert.match(r.stderr, /moelab fit: fitting chinchilla to 17 of 85 runs/);
    assert.match(r.stderr, /moelab fit: fitted \(\d+ starts\) in \d+\.\d s/);
    assert.match(r.stderr, /moelab fit: bootstrap done \(\d+ of 20 resamples failed\)/);
  });
});

describe('moelab inference', () => {
  it('cost: units in every header, GPU counts as GPUs (G is granularity), a reason on every unservable row', () => {
    const r = moelab('inference', 'cost', '--params-dense', '7B', '--experts', '8');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /GPUs +batch \(sequences\) +latency per step \(ms\) +throughput \(tokens\/s\) +cost \(GPU-h \/ 1M tokens\)/);
    assert.doesNotMatch(r.stdout, /\bG=|Infinity|NaN/);
    const rows = r.stdout.split('\n').filter((l) => /^ +\d+ /.test(l));
    assert.equal(rows.length, 8);
    for (const row of rows.filter((l) => l.includes('–'))) assert.match(row, /not servable: weights need 46\.7 GB, 1 × A100-40GB hold 40\.0 GB/);
    assert.equal(rows.filter((l) => l.includes('← cheapest')).length, 1);
  });

  it('alg1/alg2 on the reference experts fit: a header with units, ratios as ×, a reason for every infeasible row, no % of base or Infinity', () => {
    // An Eq. 4 fit (the previous tiny reference's, kept here as a fixed file) whose loss-optimal models sit at the
    // 1e14-parameter search bound by the paper's 5.15e21 FLOPs: the base is unservable and alg2 refuses with the reason.
    const bound = path.join(tmp(), 'experts-at-bound.json');
    fs.writeFileSync(bound, JSON.stringify({ A: 14333.507964573977, alpha: 6.3174271519209215, B: 0.01982879862096744, beta: 2.8673882805829574, C: 21358.59858506657, gamma: 1.145757045603485, F: 3.1498137845364544, d: -0.0014879884439636295, eStart: 40.82907201730171, eMax: 40.839507094711614 }));
    const far = moelab('inference', 'alg2', '--coefficients', bound, '--flops', '5.15e21', '--base-experts', '4');
    assert.equal(far.status, 2);
    assert.match(far.stderr, /the base model \(E = 4, N_dense 1e14\) cannot be served on 1–8 × A100-40GB .*: allow more GPUs/);
    for (const alg of ['alg1', 'alg2']) {
      const r = moelab('inference', alg, '--coefficients', path.join(REF, 'fits', 'experts.json'), '--flops', '1e15', '--base-experts', '4');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /E \(experts\) +N_dense \(params\) +N \/ own loss-optimal N +N \/ base N +D \(tokens\) +loss \(nats\/token\) +cost \(GPU-h \/ 1M tokens\) +GPUs +note/);
      assert.doesNotMatch(r.stdout, /% of base|Infinity|NaN/);
      for (const row of r.stdout.split('\n').filter((l) => /^ +\d+ /.test(l))) {
        if (/ – /.test(row)) assert.match(row, /infeasible: |not servable|edge of the search range/, `${alg} row without a reason: ${row}`);
      }
      // the base row is marked as the base (its note may go on to say why it is not an optimum or not servable)
      assert.match(r.stdout, /^ +4 .*  base(;.*)?$/m);
    }
  });
});

describe('moelab compare', () => {
  // runs only: the committed reference's fit records may predate the current record schema (tested below)
  const copyRef = () => {
    const dir = tmp();
    fs.copyFileSync(RUNS, path.join(dir, 'runs.csv'));
    return dir;
  };
  const B = copyRef();

  it('a folder against its copy: same, exit 0', () => {
    const r = moelab('compare', copyRef(), B);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /verdict: same within the tolerances/);
  });

  it('a changed loss and missing runs: headers, totals, the one-sided runs named, exit 1; a tolerance that covers the change accepts it', () => {
    const dir = copyRef();
    const lines = fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const col = header.indexOf('val_loss');
    const cells = lines[3]!.split(',');
    cells[col] = String(Number(cells[col]) + 0.05);
    lines[3] = cells.join(',');
    const dropped = lines.splice(-2).map((l) => l.split(',')[0]);
    fs.writeFileSync(path.join(dir, 'runs.csv'), `${lines.join('\n')}\n`);
    const r = moelab('compare', dir, B);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /runs: 83 in both, 0 only in A, 2 only in B/);
    assert.match(r.stdout, new RegExp(`only in B: ${dropped.join(', ')}`));
    assert.match(r.stdout, /1 of 83 runs differ by more than 0\.000001 nats\/token/);
    assert.match(r.stdout, /run +A val loss \(nats\/token\) +B val loss \(nats\/token\) +Δ A − B \(nats\/token\)/);
    assert.match(r.stdout, /\+0\.0500/);
    assert.match(r.stdout, /verdict: different \(1 run\(s\) beyond the loss tolerance, 2 run\(s\) on one side only\)/);
    const loose = moelab('compare', dir, B, '--loss-tolerance', '0.06', '--json');
    assert.equal(loose.status, 1, 'the two missing runs still differ');
    assert.equal(JSON.parse(loose.stdout).verdict.runsBeyond.length, 0);
  });

  it('fit records that cannot be read are named and counted as a difference, never skipped silently', () => {
    const a = copyRef();
    fs.mkdirSync(path.join(a, 'fits'));
    fs.writeFileSync(path.join(a, 'fits', 'chinchilla.json'), '{"law": "chinchilla", "status": "ok"}');
    const r = moelab('compare', a, B);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /fits of .* not compared: .*chinchilla\.json/);
    assert.match(r.stdout, /verdict: different \(fits not compared: 1 folder\(s\) with unreadable fit records\)/);
  });

  it('a folder without runs.csv is a usage error (exit 2)', () => {
    const r = moelab('compare', tmp(), REF);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /CompareError: .*runs\.csv does not exist/);
  });
});

describe('moelab status', () => {
  it('summarises by stage: one line per stage with counts and how many instances each reason applies to', () => {
    const statuses = [
      { name: 'corpus', stale: true, reasons: ['never run'] },
      ...['a', 'b', 'c'].map((x) => ({ name: `train@fg-${x}`, stale: true, reasons: [`output runs/fg-${x}/final.json missing`, 'upstream corpus will run'] })),
      { name: 'train@fg-d', stale: false, reasons: [] },
    ];
    const s = summariseByStage(statuses);
    assert.deepEqual(s.map((x) => [x.stage, x.instances, x.upToDate, x.stale]), [['corpus', 1, 0, 1], ['train', 4, 1, 3]]);
    assert.deepEqual(s[1]!.reasons, [{ reason: 'output runs/*/final.json missing', count: 3 }, { reason: 'upstream corpus will run', count: 3 }]);
    assert.equal(generaliseReason('upstream fit@dense will run', 'analysis'), 'upstream fit@* will run');
  });

  it('on an empty results folder prints a line per stage, not per instance', () => {
    const r = moelab('status', '--results', tmp(), '--data', tmp());
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^stage +instances +up to date +stale +why stale$/);
    assert.match(r.stdout, /^train +85 +0 +85 +/m);
    assert.ok(lines.length <= 12, `${lines.length} lines`);
    assert.match(lines.at(-1)!, /0\/\d+ instances up to date .*--all lists every instance/);
  });
});
