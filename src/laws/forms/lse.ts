/** Numerically stable log Σ exp(u_k) over the first `k` entries of `u`; softmax weights into `w`. */
export function logSumExp(u: Float64Array, k: number, w: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < k; i++) if (u[i] > m) m = u[i];
  if (m === -Infinity) {
    for (let i = 0; i < k; i++) w[i] = 0;
    return -Infinity;
  }
  let s = 0;
  for (let i = 0; i < k; i++) {
    const e = Math.exp(u[i] - m);
    w[i] = e;
    s += e;
  }
  for (let i = 0; i < k; i++) w[i] /= s;
  return m + Math.log(s);
}

/** Product of all value lists: the Cartesian initialisation grid. */
export function cartesian(lists: readonly (readonly number[])[]): number[][] {
  let out: number[][] = [[]];
  for (const list of lists) {
    const next: number[][] = [];
    for (const prefix of out) for (const v of list) next.push([...prefix, v]);
    out = next;
  }
  return out;
}

/** Evenly spaced values lo, lo+step, …, ≤ hi (rounded to 1e-12 to keep grids exact). */
export function range(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; lo + i * step <= hi + 1e-12; i++) out.push(Math.round((lo + i * step) * 1e12) / 1e12);
  return out;
}

/** log with a floor, for mapping NNLS coefficients that hit zero to log-parameters. */
export function safeLog(x: number, floor = 1e-12): number {
  return Math.log(Math.max(x, floor));
}
