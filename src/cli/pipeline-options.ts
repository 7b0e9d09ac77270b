/** Options shared by every pipeline command (`repro`, `status`, `dag`), declared without loading the engine. */
import path from 'node:path';
import { Command, Option } from 'commander';
import type { PipelineTarget } from '../pipeline';
import { REPO_ROOT } from './paths';

/** Options shared by every pipeline command. */
export interface PipelineCliOptions {
  preset?: string;
  results: string;
  data: string;
  dag: string;
  json?: boolean;
}

/** Adds `--preset`, `--results`, `--data`, `--dag` (and `--json`) to a command. */
export function addPipelineOptions(cmd: Command): Command {
  return cmd
    .option('--preset <name|file>', 'preset name (smoke, tiny, small, gpu, paper, clark, shared, peer, lifelong) or a .ts/.json preset file (default: tiny)')
    .option('--results <dir>', 'results directory', 'results')
    .option('--data <dir>', 'data directory (corpora)', 'data')
    .addOption(new Option('--dag <file>', 'pipeline module').default(path.join(REPO_ROOT, 'pipeline', 'dag.ts')).hideHelp())
    .option('--json', 'machine-readable output on stdout');
}

/** The engine's target from CLI options. */
export function targetFromOptions(o: PipelineCliOptions): PipelineTarget {
  return {
    pipelineModule: path.resolve(o.dag),
    preset: o.preset,
    repoRoot: REPO_ROOT,
    resultsDir: path.resolve(o.results),
    dataDir: path.resolve(o.data),
  };
}
