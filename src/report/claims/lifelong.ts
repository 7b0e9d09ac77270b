/**
 * Lifelong-MoE's claim about our runs (Chen et al. 2023, "Lifelong Language Pretraining with Distribution-Specialized
 * Experts", §3-4): on a shift of the data distribution, adding experts and freezing the old ones (and their gating)
 * forgets less of the old distribution than fine-tuning the whole model. A falsifiable test on the lifelong sweep's
 * records (`src/runs/lifelong.ts`; see `./verdict.ts` for the rule).
 */
import type { LifelongArm, LifelongRecord } from '../../runs/lifelong';
import { SMALLEST_LOSS_EFFECT } from './krajewski';
import { decide, describeEffect, fmt, inconclusiveReason, meanInterval, type ClaimResult, type Effect } from './verdict';

export const CHEN = 'Chen et al. 2023 (Lifelong-MoE)';
export const LIFELONG_ID = 'chen.lifelong-less-forgetting';

export interface LifelongClaimInputs {
  /** One record per seed (a base run and its arms). */
  records: readonly LifelongRecord[];
  /** Interval level. Default 0.95. */
  level?: number;
}

/**
 * Forgetting of an arm: its old-corpus validation loss after training on the new corpus minus the base run's final
 * old-corpus loss (nats; > 0: forgot). The base's loss is the reference for every arm: a grown arm's own loss before
 * its first step is higher (its new experts' untrained router columns already take tokens), so measuring from it
 * would count that damage's repair as remembering.
 */
export function forgetting(record: Pick<LifelongRecord, 'base'>, a: { old: { after: number } }): number {
  return a.old.after - record.base.oldLoss;
}

const armOf = (r: LifelongRecord, arm: LifelongArm) => r.arms.find((a) => a.arm === arm);

type ArmRecord = LifelongRecord['arms'][number];

/** Per-seed differences f(a) − f(b) over the records holding both arms, with their t interval over seeds. */
function paired(records: readonly LifelongRecord[], a: LifelongArm, b: LifelongArm, f: (r: LifelongRecord, x: ArmRecord) => number, level: number, quantity: string): Effect | null {
  const d = records.flatMap((r) => {
    const x = armOf(r, a);
    const y = armOf(r, b);
    return x && y ? [f(r, x) - f(r, y)] : [];
  });
  return d.length ? meanInterval(d, level, quantity) : null;
}

/**
 * Growing experts with the old ones frozen forgets less than fine-tuning: effect = forgetting(fine-tune) −
 * forgetting(grow-frozen) (nats), paired per seed (the two arms share the base run), t interval over seeds. The
 * evidence adds what it costs on the new corpus and the unfrozen grown arm, which tells freezing from added capacity.
 */
export function lifelongLessForgetting(i: LifelongClaimInputs): ClaimResult {
  const level = i.level ?? 0.95;
  const records = i.records;
  const effect = paired(records, 'finetune', 'grow-frozen', forgetting, level, 'forgetting of fine-tuning minus forgetting of grow-frozen (old-corpus loss after the shift − the base run\'s, nats; paired per seed)');
  const verdict = effect ? decide(effect, SMALLEST_LOSS_EFFECT) : 'inconclusive';
  const cost = paired(records, 'grow-frozen', 'finetune', (_r, a) => a.new.after, level, 'new-corpus loss of grow-frozen minus fine-tuning (nats; > 0: freezing learns the new corpus less)');
  const capacity = paired(records, 'finetune', 'grow', forgetting, level, 'forgetting of fine-tuning minus forgetting of grow without freezing (nats)');
  const mean = (arm: LifelongArm, f: (r: LifelongRecord, a: ArmRecord) => number) => {
    const v = records.flatMap((r) => (armOf(r, arm) ? [f(r, armOf(r, arm)!)] : []));
    return v.length ? fmt(v.reduce((s, x) => s + x, 0) / v.length) : '–';
  };
  const oldBefore = (_r: LifelongRecord, a: ArmRecord) => a.old.before;
  const base = records[0];
  const evidence = records.length
    ? [
        `${records.length} seeds; base E·G = ${base!.base.experts}, grown ${armOf(base!, 'grow-frozen')?.experts ?? '–'} (frozen: ${armOf(base!, 'grow-frozen')?.freeze.join(', ') || 'nothing'})`,
        `mean forgetting: fine-tune ${mean('finetune', forgetting)}, grow-frozen ${mean('grow-frozen', forgetting)}, grow ${mean('grow', forgetting)} nats`,
        `old-corpus loss of the grown model before its first step ${mean('grow-frozen', oldBefore)} (the base's: ${mean('finetune', oldBefore)}): the new experts' router columns take tokens before they are trained`,
        effect ? `less forgetting than fine-tuning: ${describeEffect(effect)}` : 'no seed has both fine-tune and grow-frozen',
        cost ? `cost on the new corpus: ${describeEffect(cost)}` : '',
        capacity ? `added experts without freezing, less forgetting than fine-tuning: ${describeEffect(capacity)}` : '',
      ]
        .filter(Boolean)
        .join('; ')
    : 'no lifelong record';
  return {
    id: LIFELONG_ID,
    paper: CHEN,
    kind: 'runs',
    statement: 'On a distribution shift, adding experts and freezing the old experts and their gating forgets less of the old distribution than fine-tuning the whole model (§3-4).',
    hypothesis: 'the old corpus loss rises less under grow-frozen than under fine-tuning from the same base run',
    null: `grow-frozen does not reduce forgetting by ${SMALLEST_LOSS_EFFECT} nats`,
    test: "per seed, forgetting (old-corpus loss after the shift − the base run's final one) of fine-tuning minus that of grow-frozen, t interval over seeds",
    protocol: 'valLoss of each corpus; none: lifelong records only',
    verdict,
    effect,
    smallestEffect: SMALLEST_LOSS_EFFECT,
    evidence,
    reason: verdict === 'inconclusive' ? (effect ? inconclusiveReason(effect, SMALLEST_LOSS_EFFECT) : records.length ? 'no seed has both fine-tune and grow-frozen' : 'no lifelong record') : undefined,
  };
}
