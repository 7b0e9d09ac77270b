/**
 * Diagnostic: every run leaves the unigram plateau. A byte-level model first learns the unigram distribution
 * (validation loss ≈ the corpus's unigram entropy H, the loss of a context-free model) and only then uses its
 * context; a run that ends near H has measured its initialisation and warm-up, not its size or data, and a law
 * fitted through it, or a claim comparing it, reads noise. The check is per configuration (seed replicates
 * averaged), with the run-to-run noise of the seed replicates as its interval:
 * effect = (H − margin) − loss, so it **holds** when the interval lies above 0 (the loss is below H − margin beyond
 * noise), **fails** when it lies below 0, and is **inconclusive** within noise or when no replicate measures the
 * noise. The noise is pooled per sweep (the sweeps train different models with different recipes, so one sweep's
 * seed spread says nothing about the other's). The diagnostic holds when every configuration holds and fails when any fails.
 */
import type { LossTarget } from '../../laws/protocol';
import type { RunSummary } from '../../runs/types';
import { studentTQuantile } from '../../util/student-t';
import { configurations, noiseFloor, settings } from './cells';
import { allCases, decide, fmt, inconclusiveReason, type ClaimCase, type ClaimResult, type Effect } from './verdict';

/** Nats below the unigram entropy a run must end to count as off the plateau (default of `offPlateau`). */
export const PLATEAU_MARGIN_NATS = 0.2;

export interface PlateauInputs {
  runs: readonly RunSummary[];
  /** Unigram entropy of the training split (nats/token; src/data/stats.ts). */
  unigramEntropyNats: number;
  /** Loss column checked. Default valLoss (the held-out loss every run records). */
  column?: LossTarget;
  /** Margin below H (nats). Default PLATEAU_MARGIN_NATS. */
  marginNats?: number;
  /** Interval level. Default 0.95. */
  level?: number;
}

export const PLATEAU_ID = 'moelab.off-plateau';

/** The per-configuration plateau check and its all-cases verdict (see the module comment). */
export function offPlateau(i: PlateauInputs): ClaimResult {
  const column = i.column ?? 'valLoss';
  const margin = i.marginNats ?? PLATEAU_MARGIN_NATS;
  const level = i.level ?? 0.95;
  const threshold = i.unigramEntropyNats - margin;
  const noiseOf = new Map([...new Set(i.runs.map((r) => r.sweep))].map((sweep) => [sweep, noiseFloor(i.runs.filter((r) => r.sweep === sweep), column)]));
  const quantity = `nats by which the seed-mean ${column} lies below the unigram entropy minus ${fmt(margin)} (${fmt(threshold)})`;
  const configs = configurations(i.runs, column);
  const cases: ClaimCase[] = configs.map((c) => {
    const estimate = threshold - c.loss;
    let effect: Effect;
    const noise = noiseOf.get(settings(c).sweep);
    if (noise && Number.isFinite(noise.sd)) {
      const half = studentTQuantile(1 - (1 - level) / 2, noise.df) * (noise.sd / Math.sqrt(c.seeds));
      effect = { quantity, estimate, lo: estimate - half, hi: estimate + half, level, method: `run-to-run noise of the ${settings(c).sweep} sweep's seed replicates (σ ${fmt(noise.sd)}, df ${noise.df}), ${c.seeds} seed(s)` };
    } else {
      effect = { quantity, estimate, lo: -Infinity, hi: Infinity, level, method: `no seed replicates in the ${settings(c).sweep} sweep: no noise estimate` };
    }
    const verdict = decide(effect, 0);
    const ids = c.runs.map((r) => r.runId).join(', ');
    return { label: `${ids} (${column} ${fmt(c.loss)})`, verdict, effect, ...(verdict === 'inconclusive' ? { reason: inconclusiveReason(effect, 0, 'the run-to-run noise') } : {}) };
  });
  const verdict = allCases(cases);
  const on = cases.filter((c) => c.verdict === 'fails');
  const undecided = cases.filter((c) => c.verdict === 'inconclusive');
  const worstConfig = configs.reduce<(typeof configs)[number] | undefined>((w, c) => (!w || c.loss > w.loss ? c : w), undefined);
  const worst = worstConfig?.loss ?? NaN;
  const worstRun = worstConfig ? settings(worstConfig).runId : 'none';
  const evidence = `${cases.length} configurations (${i.runs.length} runs); unigram entropy ${fmt(i.unigramEntropyNats)} nats, threshold ${fmt(threshold)}; highest seed-mean ${column} ${fmt(worst)} (${worstRun}); ${cases.length - on.length - undecided.length} off the plateau, ${on.length} on it, ${undecided.length} undecided; ${[...noiseOf].map(([sweep, n]) => (n ? `${sweep} noise σ ${fmt(n.sd)} (df ${n.df}, ${n.configs} replicated configurations)` : `${sweep}: no seed replicates`)).join(', ')}`;
  const reason =
    verdict === 'fails'
      ? `on the plateau: ${on.map((c) => c.label).join('; ')}: these runs end within ${fmt(margin)} nats of the loss of a context-free model, so their differences measure initialisation and warm-up, not N, D, G or E`
      : verdict === 'inconclusive'
        ? cases.length === 0
          ? 'no runs'
          : `undecided within noise: ${undecided.map((c) => `${c.label}: ${c.reason}`).join('; ')}`
        : undefined;
  return {
    id: PLATEAU_ID,
    paper: 'moelab diagnostic',
    kind: 'runs',
    statement: `Every run leaves the unigram plateau: its validation loss ends more than ${fmt(margin)} nats below the corpus's unigram entropy (the loss of a context-free model), so the laws and claims read what the runs learned.`,
    hypothesis: `every configuration's seed-mean ${column} < H − ${fmt(margin)}`,
    null: `some configuration ends at or above H − ${fmt(margin)}`,
    test: `per configuration, a t interval from the seed replicates' pooled noise (${Math.round(level * 100)}%); every configuration must hold`,
    protocol: `${column}; none: run table only`,
    verdict,
    effect: null,
    smallestEffect: 0,
    evidence,
    ...(reason ? { reason } : {}),
    cases,
  };
}
