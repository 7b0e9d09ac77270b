import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { installKernel, kernelDir, KernelError, uninstallKernel } from '../../src/notebooks/kernel';

const REPO = path.resolve(__dirname, '..', '..');
const JUPYTER = '/usr/bin/jupyter';
const hasNotebookApp = fs.existsSync(JUPYTER) && ['lab', 'notebook'].some((app) => spawnSync(JUPYTER, [app, '--version'], { encoding: 'utf8' }).status === 0);
const hasTslab = fs.existsSync(path.join(REPO, 'node_modules', 'tslab', 'bin', 'tslab'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe('npm run lab', () => {
  it('serves the notebooks with the tslab kernel on localhost (Jupyter from scripts/setup-system.sh)', { skip: hasNotebookApp ? false : 'no JupyterLab/Notebook here: scripts/setup-system.sh installs jupyter-notebook', timeout: 300_000 }, async () => {
    const port = await freePort();
    const token = 'moelab-test-token';
    const child = spawn('bash', [path.join(REPO, 'scripts', 'lab.sh'), '--no-browser', `--port=${port}`, `--NotebookApp.token=${token}`, `--ServerApp.token=${token}`], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JUPYTER_CONFIG_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-lab-cfg-')), JUPYTER_RUNTIME_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-lab-rt-')) },
    });
    let log = '';
    child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    try {
      const get = async (p: string) => {
        const r = await fetch(`http://127.0.0.1:${port}${p}${p.includes('?') ? '&' : '?'}token=${token}`);
        assert.equal(r.status, 200, `${p}: HTTP ${r.status}`);
        return r.json() as Promise<Record<string, unknown>>;
      };
      let specs: Record<string, unknown> | undefined;
      // lab.sh first rebuilds dist/ when a source changed since the last build (a minute on a busy 2-core machine)
      for (let i = 0; i < 800 && !specs; i++) {
        await new Promise((r) => setTimeout(r, 300));
        if (child.exitCode !== null) assert.fail(`lab.sh exited ${child.exitCode}:\n${log}`);
        try {
          specs = await get('/api/kernelspecs');
        } catch {
          specs = undefined;
        }
      }
      assert.ok(specs, `the server did not answer:\n${log}`);
      assert.ok(Object.keys(specs!.kernelspecs as object).includes('tslab'), `kernelspecs: ${JSON.stringify(Object.keys(specs!.kernelspecs as object))}`);
      const listing = await get('/api/contents/notebooks');
      const names = (listing.content as Array<{ name: string }>).map((c) => c.name);
      assert.ok(names.includes('03-krajewski-fine-grained.ipynb'), names.join(', '));
      assert.match(log, /127\.0\.0\.1/, 'listens on localhost only');
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
    }
  });
});

describe('moelab kernel install', () => {
  it('installs the kernel into a Jupyter data dir, refuses to replace a foreign tslab kernel, and Jupyter lists it', { skip: hasTslab ? false : 'tslab not installed' }, () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-jdata-'));
    const env = { ...process.env, JUPYTER_DATA_DIR: data };
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'moelab.js'), 'kernel', 'install', '--json'], { cwd: os.tmpdir(), env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { file, spec } = JSON.parse(r.stdout) as { file: string; spec: { argv: string[]; display_name: string } };
    assert.equal(file, path.join(data, 'kernels', 'tslab', 'kernel.json'));
    assert.equal(spec.argv[0], process.execPath, 'runs with the Node that installed it (no PATH lookup)');
    assert.ok(fs.existsSync(spec.argv[1]!), 'points at this checkout\'s tslab');
    if (fs.existsSync(JUPYTER)) {
      const list = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { env, encoding: 'utf8' });
      const specs = JSON.parse(list.stdout) as { kernelspecs: Record<string, { resource_dir: string }> };
      assert.equal(specs.kernelspecs.tslab?.resource_dir, path.dirname(file), 'jupyter kernelspec list finds it');
    }
    // a tslab kernel of someone else is not overwritten silently
    process.env.JUPYTER_DATA_DIR = data;
    try {
      fs.writeFileSync(file, JSON.stringify({ argv: ['/usr/local/bin/tslab', 'kernel'], display_name: 'TypeScript', language: 'typescript' }));
      assert.throws(() => installKernel(REPO), (e: unknown) => e instanceof KernelError && /already holds a "tslab" kernel of another tslab installation .*--force/.test(e.message));
      assert.equal(installKernel(REPO, { force: true }), file);
      assert.equal(uninstallKernel(REPO), kernelDir());
      assert.equal(fs.existsSync(file), false);
    } finally {
      delete process.env.JUPYTER_DATA_DIR;
    }
  });
});
