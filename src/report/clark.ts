/**
 * The report of a preset whose runs come from a released table (the `clark` preset: Clark et al. 2022's 223
 * routed-LM runs): the import, then per fit set (Clark: per router) our Eq. 1 coefficients with their bootstrap
 * intervals next to the paper's published values, a computed sentence per coefficient saying whether the published
 * value lies inside our interval, and how well each coefficient set predicts the runs; then the experts claims
 * on these runs, per router (`./claims/released.ts`). `buildReport` hands a released preset's inputs to `releasedReport`.
 */
import type { ClarkCoefficients } from '../laws/coefficients';
import { clarkLaw, effectiveExperts } from '../laws/forms';
import { lawLoss } from '../laws/predict';
import { describeProtocol } from '../laws/protocol';
import { PUBLISHED, type Published } from '../laws/published';
import type { FitRecord } from '../laws/record';
import type { ReleasedFitSet } from '../runs/released/fit-sets';
import type { ReleasedImportManifest } from '../runs/released/io';
import { releasedLawInputs } from '../runs/released/laws';
import type { ReleasedRun } from '../runs/released/types';
import { ROUNDING_LEVEL, roundingDraws } from './claims/published';
import type { ReleasedClaimsTable } from './claims/released';
import { fmt, type Effect, type Verdict } from './claims/verdict';
import type { Block } from './document';

/** Clark et al.'s published Eq. 1 coefficients by router as released (`router_type`). */
export const CLARK_PUBLISHED_BY_ROUTER: Readonly<Record<string, Published<ClarkCoefficients>>> = {
  'S-Base': PUBLISHED.clark.sBase,
  'RL-R': PUBLISHED.clark.rlR,
  Hash: PUBLISHED.clark.hash,
};

/** One fit set's record with the runs it was fitted on (the report recomputes predictions on them). */
export interface ReleasedFitEntry {
  set: ReleasedFitSet;
  /** The record `released-fit@<set>` wrote; undefined when it is missing. */
  record: FitRecord | undefined;
  runs: readonly ReleasedRun[];
}

export interface ReleasedReportInputs {
  preset: string;
  /** The import's manifest (`results/released/import.json`). */
  manifest: ReleasedImportManifest;
  fits: readonly ReleasedFitEntry[];
  /** The `released-claims` stage's table; undefined when it did not run. */
  claims?: ReleasedClaimsTable;
  environment: Record<string, string>;
  stageSeconds: Array<{ stage: string; instances: number; seconds: number }>;
  /** Eq. 1 against the runs (`src/figures/clark/eq1.ts`): PNG path relative to the report, or why there is none. */
  figures?: ReadonlyArray<{ id: string; caption: string; png?: string; skipped?: string }>;
}

/** What a released preset's report shows besides what every report has (preset name, environment, wall time). */
export type ReleasedSections = Omit<ReleasedReportInputs, 'preset' | 'environment' | 'stageSeconds'>;

/** Our coefficient, its interval and the published value, with the verdict in words. */
export interface CoefficientComparison {
  coefficient: string;
  ours: number;
  /** Bootstrap interval (NaN without a bootstrap). */
  lo: number;
  hi: number;
  level: number;
  published: number | undefined;
  /** Whether the published value lies in [lo, hi]; null without a published value or an interval. */
  inside: boolean | null;
  /** Whether the bootstrap identifies the coefficient (interval no wider than the estimate); null without a bootstrap. */
  identified: boolean | null;
  sentence: string;
}

/** The symbol of a coefficient in sentences. */
const SYMBOL: Readonly<Record<string, string>> = { eStart: 'E_start', eMax: 'E_max' };
const symbol = (k: string) => SYMBOL[k] ?? k;

/**
 * Per coefficient of an `ok` record: our estimate and bootstrap interval next to `published`, and one sentence,
 * computed from the numbers, saying whether the published value lies inside the interval (and by how much it
 * misses, in interval half-widths, when it does not), with a caution where the bootstrap does not identify it.
 */
export function compareToPublished(record: FitRecord, published: Readonly<Record<string, number>> | undefined, who = 'the published value'): CoefficientComparison[] {
  if (record.status !== 'ok' || !record.fit) return [];
  const coefficients = record.fit.coefficients as Record<string, number>;
  const level = record.bootstrap?.scheme.level ?? NaN;
  const pct = Number.isFinite(level) ? `${Math.round(level * 100)}%` : '';
  return Object.entries(coefficients).map(([k, ours]) => {
    const iv = record.bootstrap?.coefficients[k];
    const lo = iv?.lo ?? NaN;
    const hi = iv?.hi ?? NaN;
    const p = published?.[k];
    const ident = record.identification?.coefficients.find((c) => c.coefficient === k);
    const identified = ident ? ident.identified : null;
    const hasInterval = Number.isFinite(lo) && Number.isFinite(hi);
    const inside = p === undefined || !hasInterval ? null : p >= lo && p <= hi;
    const range = `[${fmt(lo)}, ${fmt(hi)}]`;
    let sentence: string;
    if (p === undefined) sentence = `${symbol(k)} = ${fmt(ours)} ${hasInterval ? `${range} (${pct})` : '(no interval)'}: no published value to compare.`;
    else if (!hasInterval) sentence = `${symbol(k)}: ours ${fmt(ours)} has no bootstrap interval, so whether ${who} ${fmt(p)} is consistent with these runs is not decided.`;
    else if (inside) sentence = `${symbol(k)}: ${who} ${fmt(p)} lies inside our ${pct} interval ${range} (ours ${fmt(ours)}).`;
    else {
      const half = (hi - lo) / 2;
      const miss = p < lo ? lo - p : p - hi;
      sentence = `${symbol(k)}: ${who} ${fmt(p)} lies ${p < lo ? 'below' : 'above'} our ${pct} interval ${range} (ours ${fmt(ours)}), by ${fmt(miss)}${half > 0 ? ` (${fmt(miss / half)} half-widths)` : ''}.`;
    }
    if (identified === false) sentence += ` Our interval is wider than the estimate itself (the runs do not identify ${symbol(k)}), so this comparison says little.`;
    return { coefficient: k, ours, lo, hi, level, published: p, inside, identified, sentence };
  });
}

/** Root mean squared log10 error of Eq. 1 (Clark et al.'s objective) with `coefficients` on `runs` (their target loss). */
export function eq1Log10Rmse(coefficients: Readonly<ClarkCoefficients>, runs: readonly ReleasedRun[]): number {
  if (runs.length === 0) return NaN;
  const obs = releasedLawInputs(runs, clarkLaw.variables.map((v) => v.column));
  let ss = 0;
  obs.x.forEach((x, i) => {
    ss += (Math.log10(lawLoss(clarkLaw, coefficients, x)) - Math.log10(obs.loss[i]!)) ** 2;
  });
  return Math.sqrt(ss / runs.length);
}

/** Draws of the published coefficients within their printed rounding, for the prediction comparison. */
export const PREDICTION_DRAWS = 200;

/**
 * How well published Eq. 1 coefficients predict `runs`: the RMSE of log10 loss with the values as printed, and its
 * central `ROUNDING_LEVEL` range over coefficients drawn within the rounding of their last printed digit (a
 * printed c = 0.012 stands for anything in [0.0115, 0.0125), and c multiplies log10 N · log10 Ê); `maxCross` is
 * the largest log10 N · log10 Ê among the runs.
 */
export function publishedPrediction(published: Readonly<ClarkCoefficients>, runs: readonly ReleasedRun[]): { printed: number; lo: number; hi: number; maxCross: number } {
  const values = roundingDraws(published, PREDICTION_DRAWS, 0)
    .slice(1)
    .map((c) => (c.eStart > 0 && c.eStart <= c.eMax ? eq1Log10Rmse(c, runs) : NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const q = (p: number) => (values.length ? values[Math.min(values.length - 1, Math.max(0, Math.round(p * (values.length - 1))))]! : NaN);
  const maxCross = Math.max(...runs.map((r) => Math.log10(r.paramsDense) * Math.log10(effectiveExperts(r.experts, published.eStart, published.eMax))));
  return { printed: eq1Log10Rmse(published, runs), lo: q((1 - ROUNDING_LEVEL) / 2), hi: q(1 - (1 - ROUNDING_LEVEL) / 2), maxCross };
}

const sig = (x: number | undefined, digits = 4) => (x === undefined || !Number.isFinite(x) ? '–' : Number(x.toPrecision(digits)).toString());

function fitSetBlocks(entry: ReleasedFitEntry): Block[] {
  const { set, record } = entry;
  const title = set.router ?? set.id;
  if (!record) return [{ kind: 'paragraph', text: `${title}: no fit record (released-fit@${set.id} did not run).` }];
  if (record.status !== 'ok' || !record.fit) return [{ kind: 'paragraph', text: `${title}: **the fit failed** (${record.nRuns} runs): ${record.error ?? 'unknown reason'}.` }];
  const published = set.router ? CLARK_PUBLISHED_BY_ROUTER[set.router] : undefined;
  const who = published ? 'Clark et al.\'s' : 'the published value';
  const rows = compareToPublished(record, published?.values, who);
  const level = record.bootstrap ? `${Math.round(record.bootstrap.scheme.level * 100)}% CI (${record.bootstrap.scheme.resamples} ${record.bootstrap.scheme.scheme} resamples)` : 'CI';
  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: `${title}` },
    {
      kind: 'table',
      header: ['coefficient', 'ours', `ours ${level}`, ...(published ? ['Clark et al. 2022', 'published inside our interval?'] : [])],
      rows: rows.map((c) => [symbol(c.coefficient), sig(c.ours), `[${sig(c.lo)}, ${sig(c.hi)}]`, ...(published ? [sig(c.published), c.inside === null ? '–' : c.inside ? 'yes' : '**no**'] : [])]),
      caption: `${record.fit.equation}: ${record.runSet ?? `${record.nRuns} runs`}; RMSLE ${sig(record.fit.rmsle, 3)}; ${describeProtocol(record.fit.protocol)}${published ? `. Published values: ${published.citation}${published.note ? ` (${published.note})` : ''}` : ''}.`,
    },
    { kind: 'list', items: rows.map((c) => c.sentence) },
  ];
  const notes: string[] = [];
  if (published && record.law === 'clark' && record.fit) {
    const ours = eq1Log10Rmse(record.fit.coefficients, entry.runs);
    const p = publishedPrediction(published.values, entry.runs);
    notes.push(
      `Predictions on these ${entry.runs.length} runs: RMSE of log10 loss ${sig(ours, 3)} with our coefficients, ${sig(p.printed, 3)} with Clark et al.'s as printed (${sig(p.printed / ours, 2)}× ours). Their coefficients are rounded as printed, and c multiplies log10 N · log10 Ê (up to ${sig(p.maxCross, 3)} here): drawn within their rounding, their RMSE spans ${sig(p.lo, 3)}–${sig(p.hi, 3)} (${Math.round(ROUNDING_LEVEL * 100)}% of ${PREDICTION_DRAWS} draws), ${p.lo <= ours * 1.1 ? 'down to about ours: the rounding of the printed values explains the gap' : 'all above ours: the rounding alone does not explain the gap'}.`,
    );
  }
  if (record.identification) notes.push(record.identification.summary);
  const holdout = record.holdout;
  if (holdout && 'rmseLog' in holdout) notes.push(`held-out extrapolation: RMSE of log loss ${sig(holdout.rmseLog, 3)} on the ${holdout.nHeldOut} ${holdout.rule.rule} runs (${Math.round(holdout.rule.fraction * 100)}%, fit on the rest)`);
  else if (holdout && 'error' in holdout) notes.push(`held-out extrapolation not computed: ${holdout.error}`);
  if (record.bootstrap?.failures) notes.push(`${record.bootstrap.failures} bootstrap resamples did not converge (left out of the intervals)`);
  if (record.fit.overrides.length) notes.push(`changed from the protocol: ${record.fit.overrides.join('; ')}`);
  if (record.fit.diagnostics.warnings.length) notes.push(`fit warnings: ${record.fit.diagnostics.warnings.join('; ')}`);
  for (const n of record.protocol.notes) notes.push(`protocol: ${n}`);
  blocks.push({ kind: 'list', items: notes });
  return blocks;
}

const VERDICT: Readonly<Record<Verdict, string>> = { holds: '**holds**', fails: '**fails**', inconclusive: 'inconclusive' };
const effectCell = (e: Effect | null) => (e ? `${fmt(e.estimate)} [${fmt(e.lo)}, ${fmt(e.hi)}] (${Math.round(e.level * 100)}%)` : '–');

/**
 * The claims on the released runs: a summary (claim × router verdicts), every row with its effect, evidence and
 * reason, and the per-case tables of the claims that must hold case by case.
 */
export function releasedClaimBlocks(table: ReleasedClaimsTable | undefined): Block[] {
  if (!table) return [{ kind: 'paragraph', text: 'No claims table (the released-claims stage did not run).' }];
  const routers = [...new Set(table.rows.map((r) => r.router))];
  const ids = [...new Set(table.rows.map((r) => r.claim.id))];
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `The experts claims of Yun et al. 2024 and Krajewski et al. 2024, tested on ${table.table}'s runs with the same claim code as on our own runs, once per router (that router's runs with the dense runs; ${table.selection}). **holds**: the effect's interval lies above 0; **fails**: it lies below the smallest effect the claim is about; **inconclusive** otherwise, with the reason. A claim whose code reads a column the released table does not hold is not computed: its row says which column and why.${table.tokens ? ` Tokens: ${table.tokens.source}.` : ''}`,
    },
    {
      kind: 'table',
      header: ['claim', ...routers],
      rows: ids.map((id) => [id, ...routers.map((router) => {
        const row = table.rows.find((r) => r.claim.id === id && r.router === router);
        return row ? VERDICT[row.claim.verdict] : '–';
      })]),
      caption: `Verdicts per router on ${table.table}.`,
    },
    {
      kind: 'table',
      header: ['claim', 'router (runs)', 'verdict', 'effect [interval]', 'evidence'],
      rows: table.rows.map((r) => [
        `${r.claim.statement} *(${r.claim.paper})*`,
        `${r.router} (${r.runs})`,
        VERDICT[r.claim.verdict],
        `${effectCell(r.claim.effect)}${r.claim.effect ? `: ${r.claim.effect.quantity}; ${r.claim.effect.method}` : ''}`,
        `${r.claim.evidence}${r.claim.reason ? ` **Why ${r.claim.verdict}:** ${r.claim.reason}` : ''}`,
      ]),
      caption: `Claims on ${table.table}'s runs.`,
    },
  ];
  for (const r of table.rows.filter((x) => x.claim.cases?.length)) {
    blocks.push({
      kind: 'table',
      header: ['case', 'verdict', 'effect [interval]', 'why'],
      rows: r.claim.cases!.map((c) => [c.label, VERDICT[c.verdict], effectCell(c.effect), c.reason ?? '']),
      caption: `${r.claim.id} on the ${r.router} runs: every case must hold.`,
    });
  }
  return blocks;
}

/** The report of a released-table preset, as blocks (render with `toMarkdown` / `toHtml`). */
export function releasedReport(inputs: ReleasedReportInputs): Block[] {
  const m = inputs.manifest;
  const counts = Object.entries(m.byRouter).map(([r, n]) => `${n} ${r}`).join(', ');
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: `moelab reproduction report (preset ${inputs.preset})` },
    {
      kind: 'paragraph',
      text: `Released runs, not ours: ${m.runs} runs of \`${m.table}\` (${counts}) read from \`${m.source.file}\` (${m.source.format} format, sha256 ${m.source.sha256.slice(0, 12)}…), each at its final step, target ${m.target}. Nothing was trained.${m.source.citation ? ` Source: ${m.source.citation}.` : ''}`,
    },
  ];
  if (m.selection) blocks.push({ kind: 'paragraph', text: `The paper's fits use ${m.selection.description}: ${m.selection.runs} runs (${Object.entries(m.selection.byRouter).map(([r, n]) => `${n} ${r}`).join(', ')}).` });
  if (m.notes.length) blocks.push({ kind: 'list', items: m.notes.map((n) => `data note: ${n.message}`) });
  blocks.push({ kind: 'heading', level: 2, text: 'Eq. 1 per fit set, next to the published coefficients' });
  const hasPublished = inputs.fits.some((f) => f.set.router !== null && CLARK_PUBLISHED_BY_ROUTER[f.set.router] !== undefined);
  blocks.push({
    kind: 'paragraph',
    text: `Each coefficient with its bootstrap interval${hasPublished ? '; the last column and the sentences below each table are computed from the numbers. Clark et al. report no intervals, and their objective is flat along (b, E_start, E_max): compare a, c, d and the predicted losses first' : ''}.`,
  });
  for (const entry of inputs.fits) blocks.push(...fitSetBlocks(entry));
  if (inputs.figures?.length) {
    blocks.push({ kind: 'heading', level: 3, text: 'Eq. 1 against the runs' });
    for (const f of inputs.figures) {
      if (f.png) blocks.push({ kind: 'image', src: f.png, alt: f.id, caption: f.caption });
      else blocks.push({ kind: 'paragraph', text: `**${f.id}** not drawn: ${f.skipped ?? 'no image'}. ${f.caption}` });
    }
  }
  blocks.push({ kind: 'heading', level: 2, text: 'Claims about experts, on these runs' });
  blocks.push(...releasedClaimBlocks(inputs.claims));
  blocks.push({ kind: 'heading', level: 2, text: 'Environment and wall time' });
  blocks.push({ kind: 'table', header: ['what', 'value'], rows: Object.entries(inputs.environment) });
  blocks.push({ kind: 'table', header: ['stage', 'instances', 'wall seconds (summed)'], rows: inputs.stageSeconds.map((s) => [s.stage, String(s.instances), s.seconds.toFixed(1)]) });
  return blocks;
}
