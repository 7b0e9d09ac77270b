import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildMessage, Executor, JobOutcome, RunningJob, StageJob } from '../types';

/** The `moelab` executable (registers tsx, runs src/cli/main.ts). */
export const MOELAB_BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'moelab.js');

/**
 * Runs each stage instance as a local child process (`node bin/moelab.js run-stage …`) with an IPC channel
 * for progress; stdout/stderr go to the instance log file. Concurrency is decided by the scheduler's slots.
 */
export class LocalExecutor implements Executor {
  readonly kind = 'local';

  launch(job: StageJob, onMessage: (m: ChildMessage) => void): RunningJob {
    fs.mkdirSync(path.dirname(job.logFile), { recursive: true });
    const logFd = fs.openSync(job.logFile, 'w');
    const child = spawn(process.execPath, [MOELAB_BIN, ...job.argv], {
      cwd: job.cwd,
      env: { ...process.env, ...job.env, MOELAB_CPUS: String(job.cpus) },
      stdio: ['ignore', logFd, logFd, 'ipc'],
    });
    fs.closeSync(logFd);
    let reported: string | undefined;
    child.on('message', (m: ChildMessage) => {
      if (m && m.type === 'error') reported = `${m.name}: ${m.message}`;
      onMessage(m);
    });
    const done = new Promise<JobOutcome>((resolve) => {
      child.on('error', (err) => resolve({ ok: false, exitCode: null, signal: null, error: `could not start: ${err.message}` }));
      child.on('exit', (code, signal) => {
        resolve({
          ok: code === 0 && signal === null,
          exitCode: code,
          signal,
          error: reported ?? (signal ? `killed by ${signal}` : code !== 0 ? `exited with code ${code}` : undefined),
        });
      });
    });
    return {
      info: { kind: 'local', pid: child.pid, host: os.hostname() },
      done,
      cancel: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      },
    };
  }
}
