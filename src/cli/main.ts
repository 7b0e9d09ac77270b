#!/usr/bin/env node
/**
 * The `moelab` command. Each subcommand lives in `src/cli/<name>.ts` and exports `register(program)`;
 * add yours to `REGISTRATIONS` below (one line).
 */
import { Command, CommanderError } from 'commander';
import { moelabVersion } from './paths';

/** A subcommand module's registration function. */
export type Registration = (program: Command) => void;

/**
 * Every subcommand as `[name, loader]`, in `--help` order. Add one line per subcommand module. Loaders are
 * lazy so `moelab <cmd>` loads only that command's module (a stage child must not pay for tfjs at start-up).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const REGISTRATIONS: Array<[name: string, load: () => Registration]> = [
  ['repro', () => require('./repro').register],
  ['status', () => require('./status').register],
  ['dag', () => require('./dag').register],
  ['run-stage', () => require('./run-stage').register],
  ['bench', () => require('./bench').register],
  ['train', () => require('./train').register],
  ['fit', () => require('./fit').register],
  ['compare', () => require('./compare').register],
  ['optimal', () => require('./optimal').register],
  ['inference', () => require('./inference').register],
  ['figures', () => require('./figures').register],
  ['import', () => require('./import').register],
  ['notebooks', () => require('./notebooks').register],
  ['kernel', () => require('./kernel').register],
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** Builds the commander program with every registered subcommand (or only `only`, when it names one). */
export function buildProgram(only?: string): Command {
  const program = new Command();
  program
    .name('moelab')
    .description('Reproduce and extend scaling laws for Mixture-of-Experts language models')
    .version(moelabVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    // before the subcommands are added, so that they inherit it: usage errors reach reportError (exit 2)
    .exitOverride();
  const one = REGISTRATIONS.find(([name]) => name === only);
  for (const [, load] of one ? [one] : REGISTRATIONS) load()(program);
  return program;
}

/** Exit code for errors that explain themselves (bad preset, missing file, refused lock). */
export const EXIT_USER_ERROR = 2;

/** Prints an error the way every subcommand does: one line naming the error class and the fix. */
export function reportError(err: unknown): number {
  // commander has printed its message (help, version, or a usage error such as a missing option): usage errors exit 2
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USER_ERROR;
  const e = err as Error;
  const name = e?.name && e.name !== 'Error' ? `${e.name}: ` : '';
  process.stderr.write(`moelab: ${name}${e?.message ?? String(err)}\n`);
  if (process.env.MOELAB_DEBUG && e?.stack) process.stderr.write(`${e.stack}\n`);
  return (e as { exitCode?: number })?.exitCode ?? 1;
}

/** Runs the CLI on `argv` (process.argv form). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err);
    },
  );
}
