/**
 * Fault matrix, resume group (cases 14–17): `moelab train` killed with SIGKILL and resumed, refused restarts,
 * a truncated checkpoint and a torn metrics line. Everything goes through the real CLI on a tiny corpus, so the
 * kills hit the real trainer between (or during) steps, checkpoints and metrics appends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tinyCorpus, tinyTrainConfig } from '../train/fixtures';
import { lossesOf, sandbox, summaryWithoutWall, waitFor, type Sandbox } from './helpers';
import { readMetrics } from '../../src/train/metrics';
import { readTrainingCurves } from '../../src/figures/training-curves';
import type { RunSummary } from '../../src/runs/types';

/** Runs `fn` with process.stderr.write captured. */
function captureStderr<T>(fn: () => T): { result: T; stderr: string } {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: fn(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

/** 240 steps of 4×16 tokens, a checkpoint every 20 steps: long enough to kill it twice between checkpoints. */
function writeConfig(sb: Sandbox, over: Record<string, unknown> = {}): string {
  const file = path.join(sb.root, `config-${Math.random().toString(36).slice(2)}.json`);
  const cfg = tinyTrainConfig({ tokens: 240 * 64, evalEveryTokens: 60 * 64, checkpointEverySteps: 20, runId: 'resume', ...over }, 'wasm');
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

const inode = (f: string) => (fs.existsSync(f) ? fs.statSync(f).ino : 0);

describe('kill -9 and resume of moelab train', () => {
  tinyCorpus();

  it('14: a run killed twice with SIGKILL and resumed with --resume ends with exactly the losses of an uninterrupted run', async () => {
    const sb = sandbox();
    const cfg = writeConfig(sb);
    const refDir = path.join(sb.root, 'ref');
    const ref = sb.run(['train', '--config', cfg, '--out', refDir]);
    assert.equal(ref.status, 0, ref.stderr);

    const out = path.join(sb.root, 'run');
    const ckpt = path.join(out, 'checkpoint.bin');
    for (const attempt of [1, 2]) {
      const before = inode(ckpt);
      const p = sb.start(['train', '--config', cfg, '--out', out, ...(attempt > 1 ? ['--resume'] : [])]);
      // kill right after a new checkpoint was renamed into place (a new inode), mid-way through the next steps
      await waitFor(`checkpoint ${attempt}`, () => inode(ckpt) !== before && inode(ckpt) !== 0);
      p.killGroup('SIGKILL');
      assert.equal((await p.exited).signal, 'SIGKILL', p.output());
      assert.ok(!fs.existsSync(path.join(out, 'final.json')), `kill ${attempt} came before the end of the run`);
    }
    const resumed = sb.run(['train', '--config', cfg, '--out', out, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /resumed at step \d+\/240/);
    assert.deepEqual(lossesOf(path.join(out, 'metrics.jsonl')), lossesOf(path.join(refDir, 'metrics.jsonl')));
    assert.deepEqual(summaryWithoutWall(path.join(out, 'final.json')), summaryWithoutWall(path.join(refDir, 'final.json')));
  });

  it('15: a restart without --resume, or with a changed config, is refused naming the checkpoint, exit 2, nothing changed', async () => {
    const sb = sandbox();
    const cfg = writeConfig(sb);
    const out = path.join(sb.root, 'run');
    const first = sb.start(['train', '--config', cfg, '--out', out]);
    await waitFor('the first checkpoint', () => fs.existsSync(path.join(out, 'checkpoint.bin')));
    first.killGroup('SIGKILL');
    await first.exited;
    assert.ok(!fs.existsSync(path.join(out, 'final.json')), 'killed before the end');
    // what a kill during a checkpoint write leaves (a dead pid's temp file): a refused restart must leave it too
    const stale = path.join(out, `checkpoint.bin.tmp-${2 ** 22 + 1}-x`); // above Linux's largest pid_max: never alive
    fs.writeFileSync(stale, 'half-written');
    const snapshot = () => Object.fromEntries(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f)).toString('base64')]));
    const before = snapshot();
    const fresh = sb.run(['train', '--config', cfg, '--out', out]);
    assert.equal(fresh.status, 2, fresh.stderr);
    assert.match(fresh.stderr, /CheckpointError: \S+checkpoint\.bin: a checkpoint exists; pass resume \(--resume\) to continue it/);
    const changed = sb.run(['train', '--config', writeConfig(sb, { optimizer: { lr: 1e-3 } }), '--out', out, '--resume']);
    assert.equal(changed.status, 2, changed.stderr);
    assert.match(changed.stderr, /CheckpointError: \S+checkpoint\.bin: was written by a different config/);
    assert.deepEqual(snapshot(), before);
    // a run that goes ahead clears it
    const resumed = sb.run(['train', '--config', cfg, '--out', out, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.ok(!fs.existsSync(stale), 'the resumed run removed the dead process\'s temp file');
  });

  it('16: a truncated checkpoint is a CheckpointError naming the file and the fix, exit 2', async () => {
    const sb = sandbox();
    const cfg = writeConfig(sb, { tokens: 40 * 64 });
    const out = path.join(sb.root, 'run');
    const first = sb.run(['train', '--config', cfg, '--out', out]);
    assert.equal(first.status, 0, first.stderr);
    const ckpt = path.join(out, 'checkpoint.bin');
    for (const keep of [2, 40, Math.floor(fs.statSync(ckpt).size / 2)]) {
      const bytes = fs.readFileSync(ckpt);
      fs.writeFileSync(ckpt, bytes.subarray(0, keep));
      const r = sb.run(['train', '--config', cfg, '--out', out, '--resume']);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`CheckpointError: ${ckpt.replace(/[.+]/g, '\\$&')}: .*(truncated|damaged).*; delete it`));
      assert.doesNotMatch(r.stderr, /RangeError|SyntaxError|\n\s+at /);
      fs.writeFileSync(ckpt, bytes);
    }
  });

  it('17: a torn last line of metrics.jsonl is dropped with a warning naming the file, on resume and by every reader', async () => {
    const sb = sandbox();
    const cfg = writeConfig(sb);
    const refDir = path.join(sb.root, 'ref');
    assert.equal(sb.run(['train', '--config', cfg, '--out', refDir]).status, 0);
    const out = path.join(sb.root, 'run');
    const p = sb.start(['train', '--config', cfg, '--out', out]);
    await waitFor('a checkpoint', () => fs.existsSync(path.join(out, 'checkpoint.bin')));
    p.killGroup('SIGKILL');
    await p.exited;
    // a kill in the middle of an append leaves a partial line (as ENOSPC did before appends rolled back)
    const metrics = path.join(out, 'metrics.jsonl');
    fs.appendFileSync(metrics, '{"kind":"train","step":99999,"tokens":51');
    const warnings: string[] = [];
    assert.equal(readMetrics(metrics, (w) => warnings.push(w)).at(-1)!.step < 99999, true);
    assert.match(warnings.join('\n'), new RegExp(`${metrics.replace(/[.+]/g, '\\$&')}: dropped a torn last line`));
    const resumed = sb.run(['train', '--config', cfg, '--out', out, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`warning: ${metrics.replace(/[.+]/g, '\\$&')}: dropped a torn last line`));
    assert.deepEqual(lossesOf(metrics), lossesOf(path.join(refDir, 'metrics.jsonl')));
    // the figures' reader of training curves drops it the same way, with the same warning
    const runsDir = path.join(sb.root, 'runs');
    const stub = (runId: string, granularity: number) => ({ runId, family: 'moe', granularity, paramsActive: 1000, tokens: 64, backend: 'wasm', wallSeconds: 1 }) as unknown as RunSummary;
    for (const id of ['g1', 'g2']) {
      fs.mkdirSync(path.join(runsDir, id), { recursive: true });
      fs.writeFileSync(path.join(runsDir, id, 'metrics.jsonl'), `${fs.readFileSync(metrics, 'utf8')}{"kind":"train","st`);
    }
    const printed = captureStderr(() => readTrainingCurves(runsDir, [stub('g1', 1), stub('g2', 2)]));
    assert.equal(printed.result.length, 2);
    assert.match(printed.stderr, new RegExp(`${path.join(runsDir, 'g1', 'metrics.jsonl').replace(/[.+]/g, '\\$&')}: dropped a torn last line`));
    // damage before the last line is not a torn append: it is an error naming the file and line
    fs.writeFileSync(metrics, '{"kind":"train","step":1}\n{"kind":"tr\n{"kind":"train","step":3}\n');
    assert.throws(() => readMetrics(metrics), new RegExp(`${metrics.replace(/[.+]/g, '\\$&')}:2 is not valid JSON`));
  });
});
