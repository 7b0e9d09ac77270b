/** Compact count: 25_000_000 → `25M`, 1.4e9 → `1.4B`, 730 → `730` (3 significant digits). */
export function formatCount(value: number): string {
  const abs = Math.abs(value);
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) {
    if (abs >= scale) return `${Number((value / scale).toPrecision(3))}${suffix}`;
  }
  return String(Number(value.toPrecision(3)));
}

/** A fitted coefficient as the report and the notebooks print it: 4 significant digits (`–` when not finite). */
export function formatCoefficient(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : Number(value).toPrecision(4);
}
