/**
 * The PyTorch reference of `moelab bench train` (scripts/bench/torch_moe.py under Debian's /usr/bin/python3 with
 * python3-torch, 1 thread): one timed run in a child process (`torchTokensPerSecond`), or a long-lived process
 * that times blocks of steps on request (`TorchSession`), so that the bench can alternate PyTorch's steps with its
 * own in rounds and take each round's ratio (a machine whose speed drifts over minutes then moves both sides).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { StepThroughput } from './types';

/** The reference model: the bench's shape, as torch_moe.py's arguments name it. */
export interface TorchModel {
  dModel: number;
  layers: number;
  heads: number;
  batch: number;
  seq: number;
  /** A dense FFN instead of 8 experts, top-2. */
  dense: boolean;
}

const PYTHON = '/usr/bin/python3';
const INSTALL = 'python3-torch not installed (apt-get install -y python3-torch libopenblas0-openmp)';

function scriptArgs(repoRoot: string, m: TorchModel): string[] {
  const args = [path.join(repoRoot, 'scripts', 'bench', 'torch_moe.py'), '--d-model', String(m.dModel), '--layers', String(m.layers), '--heads', String(m.heads)];
  args.push('--seq', String(m.seq), '--batch', String(m.batch));
  if (m.dense) args.push('--dense');
  return args;
}

const ONE_THREAD = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

/** Why the reference cannot run, from its stderr (the last line, or the install hint when torch is missing). */
function failure(stderr: string): string {
  const msg = stderr.trim().split('\n').pop() ?? '';
  return /No module named 'torch'/.test(msg) ? INSTALL : `torch script failed: ${msg}`;
}

export interface TorchResult {
  value: number | null;
  /** Tokens per second of the torch process's CPU time, when the script reports it. */
  cpu?: number;
  why: string;
}

/** Tokens/s of `steps` timed PyTorch steps of model `m` (after its 2 warm-up steps), in a fresh process. */
export function torchTokensPerSecond(repoRoot: string, m: TorchModel, steps: number): TorchResult {
  if (!fs.existsSync(PYTHON)) return { value: null, why: `no ${PYTHON}` };
  const r = spawnSync(PYTHON, [...scriptArgs(repoRoot, m), '--steps', String(steps)], { encoding: 'utf8', env: ONE_THREAD });
  if (r.status !== 0) return { value: null, why: failure(r.stderr || '') };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tokens_per_s: number; cpu_tokens_per_s?: number };
  return { value: out.tokens_per_s, ...(out.cpu_tokens_per_s !== undefined ? { cpu: out.cpu_tokens_per_s } : {}), why: '' };
}

/** A PyTorch training run kept alive (torch_moe.py --serve) that times blocks of steps on request. */
export class TorchSession {
  private stderr = '';

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly tokensPerStep: number,
  ) {
    child.stderr.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
  }

  /** Starts the reference for model `m` and waits for its warm-up; `{ why }` when it cannot run here. */
  static async start(repoRoot: string, m: TorchModel): Promise<TorchSession | { why: string }> {
    if (!fs.existsSync(PYTHON)) return { why: `no ${PYTHON}` };
    const child = spawn(PYTHON, [...scriptArgs(repoRoot, m), '--serve'], { env: ONE_THREAD, stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new TorchSession(child, readline.createInterface({ input: child.stdout })[Symbol.asyncIterator](), m.batch * m.seq);
    try {
      const ready = await session.reply();
      if (ready.ready !== true) throw new Error(`unexpected first line ${JSON.stringify(ready)}`);
      return session;
    } catch (e) {
      session.close();
      return { why: session.stderr ? failure(session.stderr) : (e as Error).message };
    }
  }

  /** Tokens/s (wall and per CPU-second of the torch process) of `steps` more steps. */
  async run(steps: number): Promise<StepThroughput> {
    this.child.stdin.write(`${steps}\n`);
    const r = await this.reply();
    if (r.steps !== steps || !(Number(r.seconds) > 0) || !(Number(r.cpu_seconds) > 0)) throw new Error(`torch_moe.py --serve: unexpected reply ${JSON.stringify(r)}`);
    const tokens = steps * this.tokensPerStep;
    return { tokensPerSecond: tokens / Number(r.seconds), tokensPerCpuSecond: tokens / Number(r.cpu_seconds) };
  }

  /** Ends the run (the process exits at end of input). */
  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }

  private async reply(): Promise<Record<string, unknown>> {
    const next = await this.lines.next();
    if (next.done) {
      // stdout closed: the process is exiting; its last stderr lines say why.
      if (this.child.exitCode === null && this.child.signalCode === null) await new Promise((done) => this.child.once('close', done));
      throw new Error(`torch_moe.py --serve exited: ${failure(this.stderr)}`);
    }
    return JSON.parse(next.value) as Record<string, unknown>;
  }
}
