import { runStageInstance } from '../child';
import type { ChildMessage, Executor, JobOutcome, RunningJob, StageJob } from '../types';

/**
 * Runs stage instances inside the calling process, one after another (no isolation, no parallelism, a
 * crash takes the caller down). For benchmarks and debugging only; `repro` uses LocalExecutor.
 */
export class InProcessExecutor implements Executor {
  readonly kind = 'in-process';

  launch(job: StageJob, onMessage: (m: ChildMessage) => void): RunningJob {
    const opt = (name: string) => {
      const i = job.argv.indexOf(name);
      return i >= 0 ? job.argv[i + 1] : undefined;
    };
    const done: Promise<JobOutcome> = runStageInstance(
      {
        instance: job.instance,
        pipelineModule: opt('--dag')!,
        preset: opt('--preset'),
        resultsDir: opt('--results')!,
        dataDir: opt('--data')!,
        repoRoot: job.cwd,
        key: job.key,
        specFile: opt('--spec'),
      },
      onMessage,
    ).then(
      () => ({ ok: true, exitCode: 0, signal: null }),
      (e: Error) => ({ ok: false, exitCode: 1, signal: null, error: `${e.name}: ${e.message}` }),
    );
    return { info: { kind: this.kind, pid: process.pid }, done, cancel: () => {} };
  }
}
