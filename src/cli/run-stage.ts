import path from 'node:path';
import { Command, Option } from 'commander';
import { REPO_ROOT } from './paths';

export function register(program: Command): void {
  program
    .command('run-stage')
    .description('(executors) run one stage instance in this process and commit its outputs; what repro and Slurm jobs call')
    .argument('<instance>', 'instance name, e.g. corpus or train@moe-e8-g4')
    .option('--preset <name|file>', 'preset name or file (default: the pipeline default, tiny)')
    .option('--results <dir>', 'results directory', 'results')
    .option('--data <dir>', 'data directory', 'data')
    .option('--key <key>', 'fingerprint key computed by repro (guards the state dir)')
    .option('--spec <file>', 'instance spec written by repro (loads only the stage module, not the whole DAG)')
    .addOption(new Option('--dag <file>', 'pipeline module').default(path.join(REPO_ROOT, 'pipeline', 'dag.ts')))
    .action(async (instance: string, o: { preset?: string; results: string; data: string; key?: string; dag: string; spec?: string }) => {
      // A stage may leave handles open that keep the event loop alive (a probed GPU device, the IPC channel):
      // whether the instance succeeded or threw, exit shortly after the last IPC message is flushed.
      let code = 1;
      const exitSoon = () => {
        process.exitCode = code;
        setTimeout(() => process.exit(code), 250).unref();
      };
      try {
        const { runStageInstance } = await import('../pipeline');
        code = await runStageInstance({
          pipelineModule: path.resolve(o.dag),
          preset: o.preset,
          instance,
          key: o.key,
          specFile: o.spec ? path.resolve(o.spec) : undefined,
          repoRoot: REPO_ROOT,
          resultsDir: path.resolve(o.results),
          dataDir: path.resolve(o.data),
        });
      } finally {
        exitSoon();
      }
    });
}
