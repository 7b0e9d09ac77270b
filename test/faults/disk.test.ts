/**
 * Fault matrix, disk group (cases 41–44): read-only results and full disks. The read-only cases use a read-only
 * bind mount (EROFS for every writer, root included, as on a read-only NFS export); the full-disk cases put the
 * results or data folder on a 256 kB tmpfs (ENOSPC in the middle of a real corpus build or training run, as on a
 * full scratch disk). Mounting needs root: CI runs as root in a container; elsewhere these cases skip and say why.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  PIPELINE_DAG,
  bindReadOnly,
  cannotMount,
  leftovers,
  lossesOf,
  miniPreset,
  mountTmpfs,
  sandbox,
  summaryWithoutWall,
  treeHashes,
} from './helpers';

const skip = cannotMount;
const unmounts: Array<() => void> = [];
after(() => {
  for (const u of unmounts.reverse()) {
    try {
      u();
    } catch {
      // already unmounted
    }
  }
});

/** The engine fixture (a → b) run once into a sandbox, then its parameter b.m changed so that b is stale. */
function fixtureWithStaleB() {
  const sb = sandbox();
  const config = { name: 'fixture', fixtureDir: path.join(sb.root, 'fixture'), a: { n: 1 }, b: { m: 1 }, c: { k: 1 }, grid: [1], slow: { size: 10 } };
  fs.mkdirSync(config.fixtureDir);
  const preset = path.join(sb.root, 'preset.json');
  fs.writeFileSync(preset, JSON.stringify(config));
  const args = ['--dag', PIPELINE_DAG, '--preset', preset, '--results', sb.results, '--data', sb.data];
  const first = sb.run(['repro', 'b', ...args]);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  fs.writeFileSync(preset, JSON.stringify({ ...config, b: { m: 2 } }));
  // Copying or restoring results keeps contents but not mtimes: the hash cache then has to re-hash (and would save).
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(sb.results, 'a.txt'), later, later);
  return { sb, args };
}

describe('read-only results folder', { skip }, () => {
  it('41: repro on read-only results stops with a DiskError naming the folder and EROFS, exit 2, every file unchanged', () => {
    const { sb, args } = fixtureWithStaleB();
    const before = treeHashes(sb.results);
    const ro = bindReadOnly(sb.results);
    unmounts.push(ro.unmount);
    const r = sb.run(['repro', 'b', ...args]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`DiskError: cannot write ${sb.results}/\\S+: the file system is read-only \\(EROFS\\); remount it read-write or choose a writable --results`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    ro.unmount();
    assert.deepEqual(treeHashes(sb.results), before);
  });

  it('42: status and repro --dry-run work on read-only results (the hash cache is not written) and report b as stale', () => {
    const { sb, args } = fixtureWithStaleB();
    const ro = bindReadOnly(sb.results);
    unmounts.push(ro.unmount);
    const st = sb.run(['status', '--all', ...args]);
    assert.equal(st.status, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /^a\s+up to date$/m);
    assert.match(st.stdout, /^b\s+stale: param b\.m changed \(1 → 2\)$/m);
    const dry = sb.run(['repro', 'b', '--dry-run', ...args]);
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /^would run b: param b\.m changed \(1 → 2\)$/m);
    const json = sb.run(['status', '--json', ...args]);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { instances: Array<{ name: string; stale: boolean }> }).instances.filter((i) => ['a', 'b'].includes(i.name)).map((i) => [i.name, i.stale]),
      [['a', false], ['b', true]],
    );
    ro.unmount();
  });
});

describe('full disk', { skip }, () => {
  it('43: a full data folder fails the corpus stage with a DiskError naming the file; after space is freed the rerun builds the same corpus', () => {
    const ref = sandbox();
    const refPreset = miniPreset(ref.root);
    const built = ref.run(['repro', 'corpus', '--preset', refPreset, '--results', ref.results, '--data', ref.data]);
    assert.equal(built.status, 0, built.stdout + built.stderr);

    const sb = sandbox();
    const preset = miniPreset(sb.root);
    const disk = mountTmpfs(sb.data, 256); // the 270 kB train split does not fit
    unmounts.push(disk.unmount);
    const args = ['--preset', preset, '--results', sb.results, '--data', sb.data];
    const full = sb.run(['repro', 'corpus', ...args]);
    assert.equal(full.status, 1, full.stdout + full.stderr);
    assert.match(full.stdout, new RegExp(`FAILED corpus: DiskError: cannot write ${sb.data}/\\S+: no space left on the device \\(ENOSPC\\); free space`));
    assert.deepEqual(fs.readdirSync(sb.data).filter((f) => !f.startsWith('.moelab')), [], 'nothing of the corpus was committed');
    assert.deepEqual(leftovers(sb.data), [], 'the failed build left no temp files filling the disk');
    disk.resize(8192);
    const again = sb.run(['repro', 'corpus', ...args]);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    for (const f of ['train.bin', 'val.bin', 'manifest.json']) {
      assert.ok(fs.readFileSync(path.join(sb.data, 'mini', f)).equals(fs.readFileSync(path.join(ref.data, 'mini', f))), `${f} equals the uninterrupted build's`);
    }
    disk.unmount();
  });

  it('44: a full results folder fails training with a DiskError naming the file; after space is freed a rerun (--force too) resumes to the same losses', () => {
    const run = 'train@fg-moe-e4-g2-d16x1-t8p19k';
    const id = run.slice('train@'.length);
    const ref = sandbox();
    const refArgs = ['--preset', miniPreset(ref.root), '--results', ref.results, '--data', ref.data];
    const done = ref.run(['repro', run, ...refArgs]);
    assert.equal(done.status, 0, done.stdout + done.stderr);

    const sb = sandbox();
    const args = ['--preset', miniPreset(sb.root), '--results', sb.results, '--data', sb.data];
    const disk = mountTmpfs(sb.results, 256); // a checkpoint is ~0.1 MB and is written beside the previous one
    unmounts.push(disk.unmount);
    const full = sb.run(['repro', run, ...args]);
    assert.equal(full.status, 1, full.stdout + full.stderr);
    assert.match(full.stdout, new RegExp(`FAILED ${run.replace(/[.+]/g, '\\$&')}: DiskError: cannot write ${sb.results}/\\S+: no space left on the device \\(ENOSPC\\); free space`));
    assert.doesNotMatch(full.stdout + full.stderr, /SyntaxError|Unterminated/);
    const state = path.join(sb.results, '.moelab-state', run);
    assert.deepEqual(leftovers(sb.results).filter((f) => !f.startsWith('.moelab-logs')), [], 'no temp checkpoint left filling the disk');
    // the metrics kept for resume end with a whole line: the failed append was rolled back
    const metrics = path.join(state, 'metrics.jsonl');
    if (fs.existsSync(metrics)) assert.ok(fs.readFileSync(metrics, 'utf8').endsWith('\n') || fs.statSync(metrics).size === 0);

    disk.resize(65536);
    const again = sb.run(['repro', run, '--force', run, ...args]);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.deepEqual(lossesOf(path.join(sb.results, 'runs', id, 'metrics.jsonl')), lossesOf(path.join(ref.results, 'runs', id, 'metrics.jsonl')));
    assert.deepEqual(summaryWithoutWall(path.join(sb.results, 'runs', id, 'final.json')), summaryWithoutWall(path.join(ref.results, 'runs', id, 'final.json')));
    disk.unmount();
  });
});
