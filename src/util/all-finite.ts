/** True when every entry of `values` is a finite number (no NaN, no ±Infinity); true for an empty array. */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
