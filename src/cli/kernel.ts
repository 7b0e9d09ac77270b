/**
 * `moelab kernel install|uninstall|show`: the tslab kernel for moelab's notebooks in the user's Jupyter (so
 * your own Jupyter, JupyterLab or VS Code lists "TypeScript (moelab)"), or under `--prefix` (a virtualenv).
 * `npm install` already registers it for the project itself (`.jupyter/`, used by `npm run lab` and `moelab notebooks`).
 */
import type { Command } from 'commander';
import { REPO_ROOT } from './paths';

export function register(program: Command): void {
  const kernel = program.command('kernel').description("the tslab kernel for moelab's notebooks in your own Jupyter (install, uninstall, show)");
  kernel
    .command('install')
    .description("install the kernel into your Jupyter data dir (jupyter --data-dir), or under --prefix; notebooks then open in your own Jupyter or VS Code")
    .option('--prefix <dir>', 'install under <dir>/share/jupyter/kernels (e.g. a virtualenv) instead of your data dir')
    .option('--force', 'replace a "tslab" kernel that belongs to another checkout or to a global tslab')
    .option('--json', 'print the kernel.json path and spec as JSON')
    .action(async (o: { prefix?: string; force?: boolean; json?: boolean }) => {
      const { installKernel, kernelSpec } = await import('../notebooks/kernel');
      const file = installKernel(REPO_ROOT, o);
      if (o.json) process.stdout.write(JSON.stringify({ file, spec: kernelSpec(REPO_ROOT) }, null, 1) + '\n');
      else {
        process.stdout.write(
          `installed the "TypeScript (moelab)" kernel (name tslab) in ${file}\n` +
            `  it runs ${REPO_ROOT}/node_modules/tslab with ${process.execPath}; notebooks import "moelab" from this checkout's dist/\n` +
            `  list it: jupyter kernelspec list; remove it: moelab kernel uninstall${o.prefix ? ` --prefix ${o.prefix}` : ''}\n`,
        );
      }
    });
  kernel
    .command('uninstall')
    .description("remove this checkout's kernel from your Jupyter data dir (or --prefix)")
    .option('--prefix <dir>', 'remove it from under <dir>/share/jupyter/kernels')
    .option('--force', 'remove a "tslab" kernel even if it is not this checkout\'s')
    .action(async (o: { prefix?: string; force?: boolean }) => {
      const { uninstallKernel, kernelDir } = await import('../notebooks/kernel');
      const removed = uninstallKernel(REPO_ROOT, o);
      process.stdout.write(removed ? `removed ${removed}\n` : `no kernel installed in ${kernelDir(o)}\n`);
    });
  kernel
    .command('show')
    .description('print the kernel spec moelab installs (kernel.json), and where')
    .option('--prefix <dir>', 'where a --prefix install would go')
    .action(async (o: { prefix?: string }) => {
      const { kernelDir, kernelSpec } = await import('../notebooks/kernel');
      process.stdout.write(`${kernelDir(o)}/kernel.json:\n${JSON.stringify(kernelSpec(REPO_ROOT), null, 1)}\n`);
    });
}
