/**
 * `moelab train --config FILE.json [--out DIR] [--backend …] [--resume] [--json]`: one training run.
 * The config is a `TrainConfig` (see src/train/config.ts); `--backend` overrides its `backend`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';

export interface TrainCliOptions {
  /** Path of the TrainConfig JSON. */
  config: string;
  /** Output directory; default `results/runs/<runId>`. */
  out?: string;
  /** Backend override. */
  backend?: string;
  /** Continue from the checkpoint in --out. */
  resume?: boolean;
  /** Print the final RunSummary as JSON on stdout. */
  json?: boolean;
  /** Allow more tokens than the corpus's train split holds (repeated data). */
  allowRepeatedData?: boolean;
}

function readConfig(file: string, ConfigError: typeof import('../model/errors').ConfigError): unknown {
  if (!fs.existsSync(file)) throw new ConfigError('--config', `file ${file} does not exist; pass a TrainConfig JSON (see examples/)`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError('--config', `${file} is not valid JSON (${(e as Error).message}); fix the file`);
  }
}

export async function runTrainCommand(o: TrainCliOptions): Promise<void> {
  const { ConfigError } = await import('../model/errors');
  const { parseTrainConfig } = await import('../train/config');
  const { trainRun } = await import('../train/trainer');
  const raw = readConfig(o.config, ConfigError) as Record<string, unknown>;
  if (o.backend) raw.backend = o.backend;
  const cfg = parseTrainConfig(raw);
  const outDir = o.out ?? path.join('results', 'runs', cfg.runId);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let lastPrint = 0;
  const summary = await trainRun(cfg, {
    outDir,
    resume: o.resume,
    allowRepeatedData: o.allowRepeatedData,
    log,
    warn: (line) => process.stderr.write(`moelab: warning: ${line}\n`),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastPrint < 2000 && p.step !== p.totalSteps) return;
      lastPrint = now;
      log(
        `step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}` +
          (p.valLoss !== null ? ` val ${p.valLoss.toFixed(4)}` : '') +
          ` lr ${p.lr.toExponential(2)} ${Math.round(p.tokensPerSecond)} tok/s eta ${Math.round(p.etaSeconds)}s`,
      );
    },
  });
  if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else
    process.stdout.write(
      `${summary.runId}: val loss ${summary.valLoss.toFixed(4)} after ${summary.tokens} tokens on ${summary.backend} ` +
        `(${summary.wallSeconds.toFixed(1)} s, ${summary.paramsActive} active / ${summary.paramsTotal} total non-embedding params); wrote ${outDir}\n`,
    );
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train one model from a TrainConfig JSON (metrics.jsonl, checkpoints, final.json in --out)')
    .requiredOption('--config <file>', 'TrainConfig JSON file')
    .option('--out <dir>', 'output directory (default results/runs/<runId>)')
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu (overrides the config)')
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--allow-repeated-data', "allow more tokens than the corpus's train split holds (the data repeats)")
    .option('--json', 'print the RunSummary as JSON')
    .action(async (opts: TrainCliOptions) => {
      await runTrainCommand(opts);
      // A probed GPU adapter (Dawn) can keep the event loop alive after the run: the outputs are written, exit.
      setTimeout(() => process.exit(process.exitCode ?? 0), 250).unref();
    });
}
