/**
 * What an import finds in a released table that is not an error but that an analysis must know: losses read
 * before the final step, runs ending at other steps, missing evaluations, repeated configurations, dense runs
 * with P ≠ N, size labels that disagree with N, columns not read. Each note carries its numbers and runs.
 */
import type { ImportNote, ReleasedCurve, ReleasedRun } from './types';

/** Empty loss cells seen while reading (losses not evaluated at a step). */
export interface EmptyLossCells {
  byColumn: Map<string, number>;
  rows: number;
  runs: Set<string>;
}

interface NoteInput<L extends string> {
  runs: readonly ReleasedRun<L>[];
  curves: readonly ReleasedCurve<L>[];
  lossColumns: readonly L[];
  empty: EmptyLossCells;
  unread: readonly string[];
  tolerance: number;
}

/** The most frequent value (ties: the smallest) and how often it occurs. */
function mode(values: readonly number[]): { value: number; count: number } {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = { value: NaN, count: 0 };
  for (const [value, count] of counts) if (count > best.count || (count === best.count && value < best.value)) best = { value, count };
  return best;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Notes on an imported table (see the module comment). */
export function importNotes<L extends string>(input: NoteInput<L>): ImportNote[] {
  const { runs, curves, lossColumns, empty, unread, tolerance } = input;
  const notes: ImportNote[] = [];
  const target = runs[0]?.target;

  const early = runs
    .map((r) => ({ r, columns: lossColumns.filter((c) => r.lossSteps[c] !== r.finalStep) }))
    .filter((x) => x.columns.length > 0);
  if (early.length > 0) {
    const parts = early.map(({ r, columns }) => {
      const steps = [...new Set(columns.map((c) => r.lossSteps[c]))].join('/');
      return `run ${r.runId}: ${columns.join(', ')} at ${steps} (final step ${r.finalStep})`;
    });
    const withTarget = early.filter(({ columns }) => target !== undefined && columns.includes(target)).length;
    notes.push({
      kind: 'loss-before-final-step',
      message:
        `${plural(early.length, 'run')} ${early.length === 1 ? 'has' : 'have'} a loss not recorded at the final evaluation step; each is read at its last evaluation, within ${(tolerance * 100).toFixed(1)}% of training ` +
        `(${withTarget === 0 ? `the target ${target} is recorded at every final step` : `${plural(withTarget, 'run')} for the target ${target}`}): ${parts.join('; ')}.`,
      runIds: early.map(({ r }) => r.runId),
    });
  }

  const finals = mode(runs.map((r) => r.finalStep));
  const off = runs.filter((r) => r.finalStep !== finals.value);
  if (off.length > 0) {
    notes.push({
      kind: 'final-step-differs',
      message: `${finals.count} of ${runs.length} runs end at step ${finals.value}; ${off.map((r) => `run ${r.runId} at ${r.finalStep}`).join(', ')}.`,
      runIds: off.map((r) => r.runId),
    });
  }

  const gaps = curves.flatMap((c) => c.steps.slice(1).map((s, i) => s - c.steps[i]));
  const interval = mode(gaps);
  if (interval.count > 0 && interval.count >= gaps.length / 2) {
    const missing = curves
      .map((c) => {
        const have = new Set(c.steps);
        const out: number[] = [];
        for (let s = c.steps[0] + interval.value; s < c.steps[c.steps.length - 1]; s += interval.value) if (!have.has(s)) out.push(s);
        return { runId: c.runId, out };
      })
      .filter((m) => m.out.length > 0);
    if (missing.length > 0) {
      notes.push({
        kind: 'missing-evaluations',
        message: `${plural(missing.length, 'run')} ${missing.length === 1 ? 'misses' : 'miss'} evaluations on the table's ${interval.value}-step grid (their curves have a gap there; final losses are unaffected): ${missing.map((m) => `run ${m.runId} at ${m.out.join(', ')}`).join('; ')}.`,
        runIds: missing.map((m) => m.runId),
      });
    }
  }

  const emptyTotal = [...empty.byColumn.values()].reduce((a, b) => a + b, 0);
  if (emptyTotal > 0) {
    const byColumn = lossColumns.filter((c) => empty.byColumn.has(c)).map((c) => `${c} ${empty.byColumn.get(c)}`);
    notes.push({
      kind: 'empty-loss-cells',
      message: `${plural(emptyTotal, 'empty loss cell')} (a loss not evaluated at that step) in ${plural(empty.rows, 'row')} of ${plural(empty.runs.size, 'run')}: ${byColumn.join(', ')}.`,
      runIds: [...empty.runs],
    });
  }

  const configKey = (r: ReleasedRun<L>) =>
    JSON.stringify([r.router, r.experts, r.topK, r.routingFrequency, r.paramsDense, r.paramsTotal, r.flopsPerStep, r.seed, r.sizeLabel, r.dModel, r.layers, r.heads, r.extras]);
  const groups = new Map<string, ReleasedRun<L>[]>();
  for (const r of runs) groups.set(configKey(r), [...(groups.get(configKey(r)) ?? []), r]);
  const repeated = [...groups.values()].filter((g) => g.length > 1);
  if (repeated.length > 0) {
    const curveOf = new Map(curves.map((c) => [c.runId, JSON.stringify([c.steps, c.tokens, c.losses])]));
    const identical = (g: ReleasedRun<L>[]) => g.every((r) => curveOf.get(r.runId) === curveOf.get(g[0].runId));
    const parts = repeated.map((g) => {
      const r = g[0];
      const losses = g.map((x) => x.valLoss.toFixed(4)).join(' vs ');
      return `runs ${g.map((x) => x.runId).join(', ')} (${r.router}${r.sizeLabel ? ` ${r.sizeLabel}` : ''}, ${r.experts} experts, k ${r.topK}, routing frequency ${r.routingFrequency}, seed ${r.seed}; final ${r.target} ${losses}${identical(g) ? '; identical curves' : ''})`;
    });
    notes.push({
      kind: 'repeated-configuration',
      message: `${plural(repeated.length, 'configuration')} ${repeated.length === 1 ? 'appears' : 'appear'} in more than one run (same router, experts, k, routing frequency, N, P, FLOPs, seed; a fit counts each run): ${parts.join('; ')}.`,
      runIds: repeated.flat().map((r) => r.runId),
    });
  }

  const denseP = runs.filter((r) => r.family === 'dense' && r.paramsTotal !== r.paramsDense);
  if (denseP.length > 0) {
    notes.push({
      kind: 'dense-params-total',
      message: `${plural(denseP.length, 'dense run')} ${denseP.length === 1 ? 'has' : 'have'} total parameters P above N (${denseP.map((r) => `run ${r.runId}: k ${r.topK}, P/N ${(r.paramsTotal / r.paramsDense).toFixed(3)}`).join('; ')}); N, not P, is what the laws read.`,
      runIds: denseP.map((r) => r.runId),
    });
  }

  const byLabel = new Map<string, Set<number>>();
  const byN = new Map<number, Set<string>>();
  for (const r of runs) {
    if (r.sizeLabel === null) continue;
    byLabel.set(r.sizeLabel, (byLabel.get(r.sizeLabel) ?? new Set()).add(r.paramsDense));
    byN.set(r.paramsDense, (byN.get(r.paramsDense) ?? new Set()).add(r.sizeLabel));
  }
  const badLabels = [...byLabel].filter(([, ns]) => ns.size > 1);
  const badN = [...byN].filter(([, ls]) => ls.size > 1);
  if (badLabels.length > 0 || badN.length > 0) {
    const parts = [...badLabels.map(([l, ns]) => `label ${l} has N ${[...ns].join(', ')}`), ...badN.map(([n, ls]) => `N ${n} has labels ${[...ls].join(', ')}`)];
    notes.push({
      kind: 'size-label-params',
      message: `size labels and dense parameter counts disagree: ${parts.join('; ')}.`,
      runIds: runs.filter((r) => r.sizeLabel !== null && ((byLabel.get(r.sizeLabel)?.size ?? 0) > 1 || (byN.get(r.paramsDense)?.size ?? 0) > 1)).map((r) => r.runId),
    });
  }

  if (unread.length > 0) {
    notes.push({ kind: 'unread-columns', message: `${plural(unread.length, 'column')} not read by this format: ${unread.join(', ')}.`, runIds: [] });
  }
  return notes;
}
