/**
 * Fault matrix, determinism group (cases 51, 52): what the resume and crash cases compare against is only
 * meaningful if an uninterrupted run is itself reproducible. Same train config twice through `moelab train`, and
 * the same preset twice through the real pipeline (corpus → train@… → runs) into two results folders.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tinyTrainConfig } from '../train/fixtures';
import { lossesOf, miniPreset, runTableWithoutWall, sandbox, summaryWithoutWall } from './helpers';

describe('same inputs, same losses', () => {
  it('51: the same train config twice gives identical losses and summaries', () => {
    const sb = sandbox();
    const cfg = path.join(sb.root, 'cfg.json');
    fs.writeFileSync(cfg, JSON.stringify(tinyTrainConfig({ tokens: 64 * 30, evalEveryTokens: 64 * 10 }, 'wasm')));
    const dirs = ['a', 'b'].map((d) => path.join(sb.root, d));
    for (const out of dirs) {
      const r = sb.run(['train', '--config', cfg, '--out', out]);
      assert.equal(r.status, 0, r.stderr);
    }
    const [a, b] = dirs.map((d) => lossesOf(path.join(d, 'metrics.jsonl')));
    assert.equal(a!.length, 30 + 3);
    assert.deepEqual(a, b);
    assert.deepEqual(summaryWithoutWall(path.join(dirs[0]!, 'final.json')), summaryWithoutWall(path.join(dirs[1]!, 'final.json')));
  });

  it('52: two pipeline runs of the same preset give identical run tables (but wall time) and training losses', () => {
    const shape = { dModel: 16, layers: 1, heads: 2 };
    const sweeps = { fineGrained: { expansionRate: 4, moe: [{ shapes: [shape], tokens: [4096], granularities: [2] }], dense: [{ shapes: [shape], tokens: [4096] }] }, experts: null };
    const runs = ['a', 'b'].map(() => {
      const sb = sandbox();
      const r = sb.run(['repro', 'runs', '--preset', miniPreset(sb.root, { sweeps }), '--results', sb.results, '--data', sb.data, '-j', '2']);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      return sb;
    });
    const [a, b] = runs as [ReturnType<typeof sandbox>, ReturnType<typeof sandbox>];
    assert.equal(runTableWithoutWall(path.join(a.results, 'runs.csv')), runTableWithoutWall(path.join(b.results, 'runs.csv')));
    for (const id of fs.readdirSync(path.join(a.results, 'runs'))) {
      assert.deepEqual(lossesOf(path.join(a.results, 'runs', id, 'metrics.jsonl')), lossesOf(path.join(b.results, 'runs', id, 'metrics.jsonl')), id);
    }
  });
});
