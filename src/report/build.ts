/**
 * Assembles REPORT.md / REPORT.html from the results folder: per paper, every figure; our fitted coefficients
 * with bootstrap intervals next to the published ones; held-out extrapolation error; the papers' claims as
 * computed checks; the compute- and inference-optimal tables; the environment and wall time per stage.
 */
import { PUBLISHED } from '../laws/published';
import { describeProtocol } from '../laws/protocol';
import type { RunSummary } from '../runs/types';
import type { ComputeOptimalTables, InferenceTables } from './analysis';
import { releasedClaimBlocks, releasedReport, type ReleasedSections } from './clark';
import { fmt as fmtNum, type ClaimCase, type ClaimResult, type ClaimsTable, type Effect } from './claims';
import type { Block } from './document';
import { formatCoefficient } from '../util/format';
import type { FitRecord } from '../laws/record';
import type { ReleasedClaimsTable } from './claims/released';

export interface ReportInputs {
  preset: string;
  runs: RunSummary[];
  fits: FitRecord[];
  tables?: ComputeOptimalTables;
  /** The claims stage's table (tables/claims.json). */
  claims?: ClaimsTable;
  inference?: InferenceTables & { note?: string };
  /** Figures written by the figures stage: id → PNG path relative to the report, with caption. */
  figures: Array<{ id: string; paper: string; png?: string; title?: string; caption?: string; skipped?: string; table?: { markdown: string; html: string } }>;
  corpus?: { name: string; trainTokens: number; valTokens: number; unigramEntropyNats: number };
  environment: Record<string, string>;
  /** Wall seconds per stage (matrix instances summed). */
  stageSeconds: Array<{ stage: string; instances: number; seconds: number }>;
  /** A preset whose runs come from a released table (the `clark` preset): its fits and claims (`./clark.ts`). */
  released?: ReleasedSections;
  /** The experts claims on Clark et al.'s released runs (tables/claims-at-scale.json), shown beside ours. */
  claimsAtScale?: ReleasedClaimsTable;
}

const sig = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toPrecision(digits));
const sci = (x: number | null | undefined) => (x !== null && x !== undefined && Number.isFinite(x) ? x.toExponential(2) : '–');
/** Fixed-point, with a dash for the nulls JSON makes of Infinity/NaN. */
const fx = (x: number | null | undefined, digits: number) => (x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '–');

const VERDICT = { holds: '**holds**', fails: '**fails**', inconclusive: 'inconclusive' } as const;

function effectCell(e: Effect | null): string {
  if (!e) return '–';
  return `${fmtNum(e.estimate)} [${fmtNum(e.lo)}, ${fmtNum(e.hi)}] (${Math.round(e.level * 100)}%)`;
}

/**
 * The experts claims at real scale: each claim tested on our runs beside the same claim code on a released table's
 * runs (Clark et al.: 15M–1.3B parameters, per router), so a verdict our small runs cannot reach can be read against
 * real-scale evidence, and the released table's verdicts in detail.
 */
export function atScaleBlocks(ours: ClaimsTable | undefined, atScale: ReleasedClaimsTable): Block[] {
  const routers = [...new Set(atScale.rows.map((r) => r.router))];
  const ids = [...new Set(atScale.rows.map((r) => r.claim.id))];
  const cell = (c: { verdict: keyof typeof VERDICT; effect: Effect | null } | undefined) => (c ? `${VERDICT[c.verdict]}${c.effect ? ` ${effectCell(c.effect)}` : ''}` : 'not tested');
  return [
    { kind: 'heading', level: 3, text: `The same claims at real scale: ${atScale.table}'s released runs` },
    {
      kind: 'paragraph',
      text: `Our runs are small; the experts claims are about models of 10⁷–10⁹ parameters. The same claim code, run on ${atScale.table}'s released runs (${atScale.selection}; each router's runs with the dense runs)${atScale.tokens ? `, tokens: ${atScale.tokens.source}` : ''}. A claim whose code reads a column the released table does not hold is inconclusive and says which.`,
    },
    {
      kind: 'table',
      header: ['claim', 'our runs', ...routers.map((r) => `${atScale.table}: ${r}`)],
      rows: ids.map((id) => [
        id,
        cell(ours?.claims.find((c) => c.id === id)),
        ...routers.map((router) => cell(atScale.rows.find((r) => r.claim.id === id && r.router === router)?.claim)),
      ]),
      caption: 'Verdict and effect [interval] per claim, our runs beside the released runs. The detail of every released row follows.',
    },
    ...releasedClaimBlocks(atScale).slice(2),
  ];
}

/** The sub-cases of a claim or diagnostic: label, verdict, effect [interval] and why, one row each. */
function casesTable(labelHeader: string, cases: readonly ClaimCase[], caption: string): Block {
  return { kind: 'table', header: [labelHeader, 'verdict', 'effect [interval]', 'why'], rows: cases.map((x) => [x.label, VERDICT[x.verdict], effectCell(x.effect), x.reason ?? '']), caption };
}

/** The claims section: per claim the protocol, verdict, effect with its interval and the evidence. */
function claimBlocks(table: ClaimsTable | undefined): Block[] {
  if (!table) return [{ kind: 'paragraph', text: 'No claims table (the claims stage did not run).' }];
  const row = (c: ClaimResult) => [
    `${c.statement} *(${c.paper})*`,
    VERDICT[c.verdict],
    `${effectCell(c.effect)}${c.effect ? `: ${c.effect.quantity}; ${c.effect.method}` : ''}`,
    `${c.evidence}${c.reason ? ` **Why ${c.verdict}:** ${c.reason}` : ''}`,
    c.protocol,
  ];
  const header = ['claim', 'verdict', 'effect [interval]', 'evidence', 'protocol'];
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `Each claim is a test with three outcomes: **holds** when the effect's interval lies above 0, **fails** when it lies below the smallest effect the claim is about, **inconclusive** otherwise (the reason is given). Effects come from paired differences of seed-mean losses over (size, tokens) cells, or from the fits' bootstrap resamples, never from one pair of runs. Fits use the **${table.protocol}** protocol (see each fit's section).`,
    },
    { kind: 'table', header, rows: table.claims.map(row), caption: 'Claims about our runs.' },
  ];
  for (const d of table.diagnostics ?? []) {
    const notHolding = (d.cases ?? []).filter((x) => x.verdict !== 'holds');
    blocks.push({ kind: 'table', header, rows: [row(d)], caption: 'Diagnostic of the runs themselves (a claim about our runs is only as good as the runs).' });
    if (notHolding.length) blocks.push(casesTable('configuration', notHolding, `${d.id}: the configurations that do not hold (${notHolding.length} of ${d.cases!.length}).`));
  }
  const cases = table.claims.filter((c) => c.cases?.length);
  for (const c of cases) blocks.push(casesTable('case', c.cases!, `${c.id}: every case must hold.`));
  blocks.push({ kind: 'heading', level: 3, text: "Checks of our solver on the papers' published coefficients" });
  blocks.push({
    kind: 'paragraph',
    text: 'These test our implementation against numbers the papers derived from their own fitted laws, not a claim about our runs. The printed coefficients are rounded, so each check is repeated over coefficients drawn within the rounding of their last printed digit; the interval covers the central 95% of those draws.',
  });
  blocks.push({ kind: 'table', header, rows: table.published.map(row), caption: 'Solver checks on published coefficients.' });
  if (table.sensitivity.length && table.sensitivity[0]!.cells.length) {
    const variants = table.sensitivity[0]!.cells.map((c) => c.variant);
    blocks.push({ kind: 'heading', level: 3, text: 'Protocol sensitivity' });
    blocks.push({
      kind: 'paragraph',
      text: `Every verdict recomputed with the laws refitted under one change of protocol at a time (and under the other protocol as a whole). A verdict that moves depends on that choice; ${table.sensitivity.filter((r) => r.changes).length} of ${table.sensitivity.length} claims move under at least one alternative.`,
    });
    blocks.push({
      kind: 'table',
      header: ['claim', `${table.protocol} (main)`, ...table.sensitivity[0]!.cells.map((c) => c.change)],
      rows: table.sensitivity.map((r) => [r.id, VERDICT[r.main], ...variants.map((v) => {
        const cell = r.cells.find((c) => c.variant === v)!;
        const mark = cell.verdict === r.main ? '' : ' ⚠';
        return `${VERDICT[cell.verdict]}${mark}${cell.effect ? ` ${fmtNum(cell.effect.estimate)}` : ''}`;
      })]),
      caption: '⚠ marks a verdict that differs from the main protocol\'s. Sensitivity refits use fewer bootstrap resamples (preset fit.sensitivityBootstrap).',
    });
  }
  return blocks;
}

function fitTable(record: FitRecord, published: Array<[string, Record<string, number>]>): Block {
  const coefficients: Record<string, number> = record.fit?.coefficients ?? {};
  const names = Object.keys(coefficients);
  const header = ['coefficient', 'ours', `ours ${record.bootstrap ? `${Math.round(record.bootstrap.scheme.level * 100)}% CI (${record.bootstrap.scheme.resamples} bootstraps)` : 'CI'}`, ...published.map(([n]) => n)];
  const rows = names.map((n) => {
    const ci = record.bootstrap?.coefficients[n];
    return [n, formatCoefficient(coefficients[n]), ci ? `[${sig(ci.lo)}, ${sig(ci.hi)}]` : '–', ...published.map(([, c]) => (c[n] === undefined ? '–' : sig(c[n], 4)))];
  });
  return { kind: 'table', header, rows, caption: `${record.fit?.equation ?? record.law}: fitted on ${record.nRuns} runs (${record.protocol.target}), RMSLE ${sig(record.fit?.rmsle)}, ${record.fit ? describeProtocol(record.fit.protocol) : ''}` };
}

function fitSection(record: FitRecord | undefined, published: Array<[string, Record<string, number>]>, label: string): Block[] {
  if (!record) return [{ kind: 'paragraph', text: `${label}: not fitted in this preset.` }];
  if (record.status !== 'ok' || !record.fit) return [{ kind: 'paragraph', text: `${label}: **the fit failed at this scale** (${record.nRuns} runs): ${record.error ?? 'unknown reason'}.` }];
  const blocks: Block[] = [fitTable(record, published)];
  const notes: string[] = [];
  if (record.identification) notes.push(record.identification.summary);
  for (const sh of record.shared) notes.push(`${sh.coefficient} = ${sig(sh.value, 4)} taken from the ${sh.fromLaw} fit (not fitted here)`);
  const holdout = record.holdout;
  if (holdout && 'rmseLog' in holdout) notes.push(`held-out extrapolation: RMSE of log loss ${sig(holdout.rmseLog)} on the ${holdout.nHeldOut} ${holdout.rule.rule === 'lowest-loss' ? 'lowest-loss' : 'largest-compute'} runs (${Math.round(holdout.rule.fraction * 100)}%, fit on the rest)`);
  else if (holdout && 'error' in holdout) notes.push(`held-out extrapolation not computed: ${holdout.error}`);
  const cross = record.crossCheck;
  if (cross && 'objective' in cross) notes.push(`variable-projection cross-check objective ${sig(cross.objective, 4)} vs L-BFGS ${sig(record.fit.objective, 4)}`);
  else if (cross && 'error' in cross) notes.push(`variable-projection cross-check not available: ${cross.error}`);
  if (record.fit.overrides.length) notes.push(`changed from the protocol: ${record.fit.overrides.join('; ')}`);
  if (record.fit.diagnostics.warnings.length) notes.push(`fit warnings: ${record.fit.diagnostics.warnings.join('; ')}`);
  if (record.bootstrap?.derived && Object.keys(record.bootstrap.derived).length) {
    notes.push(
      `derived: ${Object.entries(record.bootstrap.derived)
        .map(([k, v]) => `${k} = ${sig(v.estimate)} [${sig(v.lo)}, ${sig(v.hi)}]`)
        .join(', ')}`,
    );
  }
  if (notes.length) blocks.push({ kind: 'list', items: notes });
  return blocks;
}

function figureBlocks(inputs: ReportInputs, paper: string): Block[] {
  const figures = inputs.figures.filter((f) => f.paper === paper);
  const drawn = figures
    .filter((f) => f.table || f.png)
    .map((f): Block => (f.table ? { kind: 'raw', ...f.table } : { kind: 'image', src: f.png!, alt: f.id, caption: `**${f.id}**${f.caption ? `: ${f.caption}` : ''}` }));
  const skipped = figures.filter((f) => !f.table && !f.png);
  // one line per figure not drawn, with its reason, in one list after the drawn ones (a preset without this
  // paper's sweep, e.g. `shared`, would otherwise interleave a dozen such paragraphs)
  if (skipped.length === 1) return [...drawn, { kind: 'paragraph', text: `**${skipped[0]!.id}** not drawn: ${skipped[0]!.skipped ?? 'no image was exported'}` }];
  if (skipped.length > 1) return [...drawn, { kind: 'paragraph', text: `Not drawn (${skipped.length}):` }, { kind: 'list', items: skipped.map((f) => `**${f.id}**: ${f.skipped ?? 'no image was exported'}`) }];
  return drawn;
}

/** The report as blocks (render with `toMarkdown` / `toHtml`). */
export function buildReport(inputs: ReportInputs): Block[] {
  if (inputs.released) return releasedReport({ ...inputs.released, preset: inputs.preset, environment: inputs.environment, stageSeconds: inputs.stageSeconds });
  const blocks: Block[] = [];
  const fit = (law: string) => inputs.fits.find((f) => f.law === law);
  const count = (pred: (r: RunSummary) => boolean) => inputs.runs.filter(pred).length;
  blocks.push({ kind: 'heading', level: 1, text: `moelab reproduction report (preset ${inputs.preset})` });
  blocks.push({
    kind: 'paragraph',
    text: `${inputs.runs.length} training runs: ${sweepCounts(inputs.runs)}; ${count((r) => r.family === 'dense')} dense. Sizes ${sci(Math.min(...inputs.runs.map((r) => r.paramsActive)))}–${sci(Math.max(...inputs.runs.map((r) => r.paramsActive)))} active non-embedding parameters, ${sci(Math.min(...inputs.runs.map((r) => r.tokens)))}–${sci(Math.max(...inputs.runs.map((r) => r.tokens)))} tokens. The papers train 1e7–1e9-parameter models on 1e9–1e11 tokens: every extrapolation to their scale is marked as such.`,
  });
  if (inputs.corpus) {
    blocks.push({
      kind: 'paragraph',
      text: `Corpus \`${inputs.corpus.name}\`: ${inputs.corpus.trainTokens} train / ${inputs.corpus.valTokens} validation byte tokens; unigram entropy ${inputs.corpus.unigramEntropyNats.toFixed(3)} nats/token (the loss of a context-free model). Best validation loss of our runs: ${Math.min(...inputs.runs.map((r) => r.valLoss)).toFixed(3)} nats/token.`,
    });
  }
  blocks.push({ kind: 'heading', level: 2, text: 'Claims of the papers, tested' });
  blocks.push(...claimBlocks(inputs.claims));
  if (inputs.claimsAtScale) blocks.push(...atScaleBlocks(inputs.claims, inputs.claimsAtScale));

  blocks.push({ kind: 'heading', level: 2, text: 'Krajewski et al. 2024: fine-grained MoE' });
  blocks.push({ kind: 'heading', level: 3, text: 'Fitted law (Eq. 9) vs Table 1' });
  blocks.push(...fitSection(fit('fine-grained'), [['Krajewski Table 1 (MoE)', PUBLISHED.krajewski.table1MoE.values]], 'Fine-grained law (Eq. 9)'));
  blocks.push(...fitSection(fit('dense'), [['Krajewski Table 1 (dense)', PUBLISHED.krajewski.table1Dense.values]], 'Dense law (Eq. 1)'));
  if (inputs.tables) {
    blocks.push({ kind: 'heading', level: 3, text: 'Table 2 from the published coefficients' });
    blocks.push({
      kind: 'table',
      header: ['model', 'FLOPs', 'G paper / ours', 'D paper', 'D ours', 'loss paper', 'loss ours', 'Δ loss'],
      rows: inputs.tables.krajewskiTable2.map((r) => [r.label, sci(r.flops), `${r.paper.granularity} / ${r.ours.granularity}`, sci(r.paper.tokens), sci(r.ours.tokens), fx(r.paper.loss, 3), fx(r.ours.loss, 3), fx(r.lossDifference, 3)]),
      caption: 'Our Brent solver on Krajewski Table 1 (rounded) coefficients; the loss difference comes from the rounding of the published coefficients.',
    });
    blocks.push({
      kind: 'table',
      header: ['coefficients', 'FLOPs', 'optimal G', 'N_act', 'D', 'loss', 'search'],
      rows: inputs.tables.fineGrained.map((r) => [r.source, sci(r.flops), String(r.granularity), sci(r.paramsActive), sci(r.tokens), fx(r.loss, 3), r.bound ?? 'interior']),
      caption: `Compute-optimal (N_act, D, G) per budget (Eq. 10/11 FLOPs, c_f = 6, c_r = 14, d_model = 64·n_blocks; G searched over powers of two 1–256, n_blocks over 0.25–1e4).${inputs.tables.fineGrained.some((r) => r.bound) ? ' Rows marked in the last column have their optimum on an end of a searched range: the values there are bounds, not optima.' : ''}`,
    });
    blocks.push({
      kind: 'table',
      header: ['coefficients', 'FLOPs', 'optimal G', 'dense overhead ×', 'G = 1 overhead ×', 'notes'],
      rows: inputs.tables.overhead.map((r) => [r.source, sci(r.flops), String(r.optimalGranularity), fx(r.denseOverhead, 1), fx(r.g1Overhead, 2), [r.bound, ...r.notes].filter(Boolean).join('; ')]),
      caption: 'Fig. 1b as a table: FLOPs a dense model / a G = 1 MoE need to match the compute-optimal MoE (– with the reason where no finite budget does).',
    });
  }
  blocks.push(...figureBlocks(inputs, 'krajewski'));

  blocks.push({ kind: 'heading', level: 2, text: 'Yun et al. 2024: inference-optimal MoE' });
  blocks.push({ kind: 'paragraph', text: 'Yun et al. published no coefficients for Eq. 4 (only RMSLE 3.908e-3 and Huber 1.033e-3), so the analytic figures use our fit.' });
  blocks.push(...fitSection(fit('experts'), [], 'Experts law (Eq. 4)'));
  if (inputs.tables?.experts.length) {
    blocks.push({
      kind: 'table',
      header: ['FLOPs', 'experts', 'N (dense)', 'D', 'loss', 'search'],
      rows: inputs.tables.experts.map((r) => [sci(r.flops), String(r.experts), sci(r.paramsDense), sci(r.tokens), fx(r.loss, 3), r.bound ?? 'interior']),
      caption: 'Loss-optimal model per expert count (our experts fit; training FLOPs 6·N_active·D; N searched over 1e5–1e14).',
    });
  }
  const failures = [...(inputs.tables?.failures ?? []), ...(inputs.inference?.failures ?? [])];
  if (failures.length) {
    blocks.push({ kind: 'list', items: failures.map((f) => `not computed: ${f.table} (${f.source}) at ${sci(f.flops)} FLOPs: ${f.error}`) });
  }
  if (inputs.inference) {
    if (inputs.inference.note) blocks.push({ kind: 'paragraph', text: `Over-training analysis: ${inputs.inference.note}.` });
    else {
      blocks.push({
        kind: 'table',
        header: ['base E', 'FLOPs', 'E', 'N (dense)', 'size / base', 'cost per token', 'base cost'],
        rows: inputs.inference.boundedLoss.map((r) => [String(r.base), sci(r.flops), String(r.experts), sig(r.paramsDense), sig(r.sizeRatioToBase), sig(r.costPerToken), sig(r.baseCostPerToken)]),
        caption: `Algorithm 1 (minimum serving cost for the base model's loss), roofline cost model on ${inputs.inference.gpu}; our fit extrapolated to the papers' budgets.`,
      });
      blocks.push({
        kind: 'table',
        header: ['base E', 'FLOPs', 'E', 'N (dense)', 'size / base', 'loss', 'base loss'],
        rows: inputs.inference.boundedCost.map((r) => [String(r.base), sci(r.flops), String(r.experts), sig(r.paramsDense), sig(r.sizeRatioToBase), sig(r.loss, 4), sig(r.baseLoss, 4)]),
        caption: 'Algorithm 2 (minimum loss for the base model\'s serving cost).',
      });
    }
  }
  blocks.push(...figureBlocks(inputs, 'yun'));

  blocks.push({ kind: 'heading', level: 2, text: 'Chinchilla Approach 3 on our dense runs' });
  const ch = PUBLISHED.chinchilla;
  blocks.push(
    ...fitSection(
      fit('chinchilla'),
      [
        ['Hoffmann (rounded)', ch.approach3Rounded.values],
        ['Hoffmann (unrounded)', ch.approach3Unrounded.values],
        ['Epoch refit', ch.epochRefit.values],
      ],
      'Chinchilla law',
    ),
  );
  blocks.push(...figureBlocks(inputs, 'chinchilla'));
  // moelab's own experiments on the survey's other designs, only in presets that run them
  if (inputs.figures.some((f) => f.paper === 'survey')) {
    blocks.push({ kind: 'heading', level: 2, text: "The survey's other MoE designs (moelab's experiments)" });
    blocks.push({ kind: 'paragraph', text: 'Figures of the shared-expert, PEER and lifelong sweeps; their claims are in the claims table above.' });
    blocks.push(...figureBlocks(inputs, 'survey'));
  }

  blocks.push({ kind: 'heading', level: 2, text: 'Environment and wall time' });
  blocks.push({ kind: 'table', header: ['what', 'value'], rows: Object.entries(inputs.environment) });
  blocks.push({ kind: 'table', header: ['stage', 'instances', 'wall seconds (summed)'], rows: inputs.stageSeconds.map((s) => [s.stage, String(s.instances), s.seconds.toFixed(1)]) });
  return blocks;
}

/** "55 in the fine-grained sweep (Krajewski et al. 2024) and 30 in the experts sweep (Yun et al. 2024)": the sweeps present. */
function sweepCounts(runs: readonly RunSummary[]): string {
  const named: Array<[string, string]> = [
    ['fine-grained', 'the fine-grained sweep (Krajewski et al. 2024)'],
    ['experts', 'the experts sweep (Yun et al. 2024)'],
    ['shared', 'the shared-expert sweep (DeepSeekMoE, Dai et al. 2024)'],
    ['peer', 'the PEER sweep (He 2024)'],
    ['lifelong', 'the lifelong sweep (Chen et al. 2023)'],
  ];
  // the papers' two sweeps are always named (0 when a preset lacks one); moelab's own only when present
  const parts = named.filter(([sweep]) => sweep === 'fine-grained' || sweep === 'experts' || runs.some((r) => r.sweep === sweep)).map(([sweep, what]) => `${runs.filter((r) => r.sweep === sweep).length} in ${what}`);
  const other = runs.filter((r) => !named.some(([sweep]) => sweep === r.sweep)).length;
  if (other > 0) parts.push(`${other} in other sweeps`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]!;
}
