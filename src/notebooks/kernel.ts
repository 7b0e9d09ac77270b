/**
 * The tslab kernel spec for moelab's notebooks, and where it is installed: into the project (`.jupyter/`, what
 * `npm install` and headless execution use) or into the user's Jupyter (`moelab kernel install`, so the user's own
 * Jupyter, VS Code or JupyterLab lists it). The spec runs this checkout's tslab with the Node that installed it, so
 * it does not depend on `node` being on the PATH of whatever launches the kernel. It holds absolute paths: it is
 * generated, never committed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';

/** The kernel name the notebooks' metadata asks for (`kernelspec.name`). */
export const KERNEL_NAME = 'tslab';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  metadata?: Record<string, unknown>;
}

/** A kernel that cannot be installed (tslab missing, a foreign kernel of the same name in the way). */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  readonly exitCode = 2;
}

/** The spec for this checkout (`repoRoot`), run by `nodeBin`. */
export function kernelSpec(repoRoot: string, nodeBin: string = process.execPath): KernelSpec {
  const tslab = path.join(repoRoot, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!fs.existsSync(tslab)) throw new KernelError(`tslab is not installed in ${repoRoot}/node_modules (a dev dependency): run \`npm install\` in ${repoRoot}`);
  return {
    argv: [nodeBin, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (moelab)',
    language: 'typescript',
    metadata: { moelab: { repoRoot } },
  };
}

/**
 * Jupyter's per-user data directory, as `jupyter --data-dir` computes it: `$JUPYTER_DATA_DIR`, else
 * `$XDG_DATA_HOME/jupyter`, else `~/.local/share/jupyter` (Linux), `~/Library/Jupyter` (macOS).
 */
export function userJupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'jupyter');
}

export interface InstallKernelOptions {
  /** Install under `<prefix>/share/jupyter/kernels/` (a virtualenv or conda prefix, or the project's `.jupyter`) instead of the user's data dir. */
  prefix?: string;
  /** Replace a `tslab` kernel that belongs to another checkout or to a global tslab. */
  force?: boolean;
  /** Node binary the kernel runs with. Default this process's. */
  nodeBin?: string;
}

/** Where `installKernel` writes kernel.json. */
export function kernelDir(options: Pick<InstallKernelOptions, 'prefix'> = {}): string {
  const base = options.prefix ? path.join(path.resolve(options.prefix), 'share', 'jupyter') : userJupyterDataDir();
  return path.join(base, 'kernels', KERNEL_NAME);
}

/** Writes the kernel spec; returns the kernel.json path. Refuses to replace a foreign `tslab` kernel unless `force`. */
export function installKernel(repoRoot: string, options: InstallKernelOptions = {}): string {
  const spec = kernelSpec(repoRoot, options.nodeBin);
  const dir = kernelDir(options);
  const file = path.join(dir, 'kernel.json');
  if (fs.existsSync(file) && !options.force) {
    let existing: KernelSpec | undefined;
    try {
      existing = JSON.parse(fs.readFileSync(file, 'utf8')) as KernelSpec;
    } catch {
      existing = undefined;
    }
    const ours = (existing?.metadata?.moelab as { repoRoot?: string } | undefined)?.repoRoot;
    if (ours !== repoRoot) {
      const who = ours ? `moelab checkout ${ours}` : `another tslab installation (${existing?.argv?.[0] ?? 'unreadable spec'})`;
      throw new KernelError(`${file} already holds a "${KERNEL_NAME}" kernel of ${who}; pass --force to replace it with this checkout's`);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(spec, null, 1)}\n`);
  return file;
}

/** Removes the kernel if it is this checkout's; returns the removed folder or undefined. */
export function uninstallKernel(repoRoot: string, options: Pick<InstallKernelOptions, 'prefix' | 'force'> = {}): string | undefined {
  const dir = kernelDir(options);
  const file = path.join(dir, 'kernel.json');
  if (!fs.existsSync(file)) return undefined;
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as KernelSpec;
  const ours = (spec.metadata?.moelab as { repoRoot?: string } | undefined)?.repoRoot;
  if (ours !== repoRoot && !options.force) throw new KernelError(`${file} is not this checkout's kernel (${ours ?? spec.argv?.[0]}); pass --force to remove it anyway`);
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}
