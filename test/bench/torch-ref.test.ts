import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend/select';
import { TorchSession, torchTokensPerSecond, type TorchModel } from '../../src/bench/torch-ref';

const PYTHON = '/usr/bin/python3';
const noPython = fs.existsSync(PYTHON) ? false : `no ${PYTHON}`;
const model: TorchModel = { dModel: 32, layers: 2, heads: 2, batch: 16, seq: 64, dense: false };

/** A repository root whose scripts/bench/torch_moe.py is `script` (a stand-in for the PyTorch reference). */
function fakeRoot(script: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-torch-ref-'));
  fs.mkdirSync(path.join(root, 'scripts', 'bench'), { recursive: true });
  fs.writeFileSync(path.join(root, 'scripts', 'bench', 'torch_moe.py'), script);
  return root;
}

// Answers n with n/2 s of wall time and n/4 s of CPU time; records its arguments in args.json.
const SERVE = `import json, os, sys
json.dump(sys.argv[1:], open(os.path.join(os.path.dirname(__file__), 'args.json'), 'w'))
print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    n = int(line) if line.strip() else 0
    if n <= 0:
        break
    print(json.dumps({'steps': n, 'seconds': 0.5 * n, 'cpu_seconds': 0.25 * n}), flush=True)
`;

describe('TorchSession: the PyTorch reference kept running, timed in blocks on request', { skip: noPython }, () => {
  it('passes the model to torch_moe.py --serve and turns each reply into tokens/s, wall and per CPU-second', async () => {
    const root = fakeRoot(SERVE);
    const s = await TorchSession.start(root, model);
    assert.ok(s instanceof TorchSession, JSON.stringify(s));
    try {
      const t = await s.run(4); // 4 steps of 16 × 64 tokens in 2 s wall, 1 s CPU
      assert.equal(t.tokensPerSecond, 2048);
      assert.equal(t.tokensPerCpuSecond, 4096);
      assert.equal((await s.run(2)).tokensPerSecond, 2048);
    } finally {
      s.close();
    }
    const args = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'bench', 'args.json'), 'utf8')) as string[];
    assert.deepEqual(args, ['--d-model', '32', '--layers', '2', '--heads', '2', '--seq', '64', '--batch', '16', '--serve']);
  });
  it('says how to install torch when the script cannot import it', async () => {
    const root = fakeRoot("raise ModuleNotFoundError(\"No module named 'torch'\")\n");
    const s = await TorchSession.start(root, model);
    assert.ok(!(s instanceof TorchSession));
    assert.match(s.why, /python3-torch not installed \(apt-get install -y python3-torch/);
    assert.match(torchTokensPerSecond(root, model, 2).why, /python3-torch not installed/);
  });
  it('rejects a run when the process dies mid-session, with its last error line', async () => {
    const root = fakeRoot(`import json, sys
print(json.dumps({'ready': True}), flush=True)
sys.stdin.readline()
sys.exit('out of memory in step 3')
`);
    const s = await TorchSession.start(root, model);
    assert.ok(s instanceof TorchSession);
    await assert.rejects(s.run(5), /torch_moe\.py --serve exited: torch script failed: out of memory in step 3/);
    s.close();
  });
  it('rejects a reply for another number of steps instead of timing the wrong block', async () => {
    const root = fakeRoot(`import json, sys
print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    print(json.dumps({'steps': 1, 'seconds': 1.0, 'cpu_seconds': 1.0}), flush=True)
`);
    const s = await TorchSession.start(root, model);
    assert.ok(s instanceof TorchSession);
    await assert.rejects(s.run(3), /unexpected reply \{"steps":1/);
    s.close();
  });
});

const hasTorch = !noPython && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
describe('scripts/bench/torch_moe.py --serve (the real reference)', { skip: hasTorch ? false : 'python3-torch not installed' }, () => {
  it('times blocks of steps of the tiny d32 MoE on request', async () => {
    const s = await TorchSession.start(path.resolve(__dirname, '..', '..'), model);
    assert.ok(s instanceof TorchSession, JSON.stringify(s));
    try {
      const t = await s.run(2);
      assert.ok(t.tokensPerSecond > 0 && Number.isFinite(t.tokensPerSecond) && t.tokensPerCpuSecond > 0);
    } finally {
      s.close();
    }
  });
});

describe('measurePairedVsTorch: ours and PyTorch in alternating rounds', { skip: noPython }, () => {
  before(async () => {
    await selectBackend('wasm');
  });
  it('warms both sides up, then asks PyTorch for one block per round, each followed by ours', async () => {
    const { measurePairedVsTorch } = await import('../../src/bench/train');
    // Records every request; each block of n steps "takes" n seconds of wall and of CPU time.
    const root = fakeRoot(`import json, os, sys
log = open(os.path.join(os.path.dirname(__file__), 'requests.txt'), 'w')
print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    n = int(line) if line.strip() else 0
    if n <= 0:
        break
    log.write('%d\\n' % n); log.flush()
    print(json.dumps({'steps': n, 'seconds': float(n), 'cpu_seconds': float(n)}), flush=True)
`);
    const r = await measurePairedVsTorch(root, { label: 'tiny dense', dModel: 16, layers: 1, moe: false, heads: 2, batch: 2 }, 3, 2, 4);
    assert.ok(!('why' in r), JSON.stringify(r));
    const requests = fs.readFileSync(path.join(root, 'scripts', 'bench', 'requests.txt'), 'utf8').trim().split('\n').map(Number);
    assert.deepEqual(requests, [4, 2, 2, 2]); // the warm-up block, then one block of 2 steps per round
    assert.equal(r.b.tokensPerSecond, 128); // 2 steps × 2 × 64 tokens in 2 s
    assert.equal(r.ratios.length, 3);
    for (const [i, x] of r.ratios.entries()) assert.ok(Number.isFinite(x) && x > 0, `round ${i}: ${x}`);
  });
  it('says why when PyTorch cannot run, instead of timing ours alone', async () => {
    const { measurePairedVsTorch } = await import('../../src/bench/train');
    const root = fakeRoot("raise ModuleNotFoundError(\"No module named 'torch'\")\n");
    const r = await measurePairedVsTorch(root, { label: 'tiny dense', dModel: 16, layers: 1, moe: false, heads: 2, batch: 2 }, 3, 2, 4);
    assert.ok('why' in r);
    assert.match(r.why, /python3-torch not installed/);
  });
});
