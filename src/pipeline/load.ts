import path from 'node:path';
import { DagError } from './errors';
import type { Pipeline } from './types';

/** Loads a pipeline module (default export or `pipeline` export of e.g. `pipeline/dag.ts`). */
export function loadPipeline(modulePath: string): Pipeline<unknown> {
  const abs = path.resolve(modulePath);
  let mod: { default?: Pipeline<unknown>; pipeline?: Pipeline<unknown> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes(abs)) {
      throw new DagError(`pipeline module ${abs} not found; pass --dag FILE or run from the repository root`);
    }
    throw e;
  }
  const p = mod.default ?? mod.pipeline;
  if (!p || !Array.isArray(p.stages) || typeof p.loadConfig !== 'function') {
    throw new DagError(`${abs} must export default definePipeline({ stages, defaultPreset, loadConfig })`);
  }
  return p;
}
