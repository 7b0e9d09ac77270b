/**
 * Kernel replacements per backend. The model avoids kernels that are missing or slow on wasm
 * (gathers/scatters and the embedding gradient run as JS custom-gradient ops in `src/model/ops.ts`), so
 * nothing is required here for correctness; this is the hook for faster kernels registered with
 * `tf.registerKernel`.
 */
const done = new Set<string>();

/** Register the fast kernels for `backend` once per process. */
export function registerFastKernels(backend: string): void {
  if (done.has(backend)) return;
  done.add(backend);
}
