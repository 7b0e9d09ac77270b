/**
 * Where in a preset a sweep run's setting comes from: turns a trainer-config field that failed validation
 * (`model.moe.granularity`, `tokens`, `data.seqLen`) into the dotted preset key the user edits
 * (`sweeps.fineGrained.moe[0].granularities`, `sweeps.experts.tokens`, `train.seqLen`).
 */
import type { ExpertsGrid } from './experts';
import type { FineGrainedGrid } from './fine-grained';
import type { PeerGrid } from './peer';
import type { SharedGrid } from './shared';
import type { SweepRun } from './types';

/** The sweeps section (any grid may be null). */
export interface SweepsSection {
  fineGrained: FineGrainedGrid | null;
  experts: ExpertsGrid | null;
  shared?: SharedGrid | null;
  peer?: PeerGrid | null;
}

const sameShape = (run: SweepRun) => (s: { dModel: number; layers: number; heads: number }) => s.dModel === run.dModel && s.layers === run.layers && s.heads === run.heads;

/** The preset path of the grid block a run comes from, and of its shape in that block. */
function blockOf(sweeps: SweepsSection, run: SweepRun): { block: string; shape: string } {
  if (run.sweep === 'shared') {
    const j = sweeps.shared?.shapes.findIndex(sameShape(run)) ?? -1;
    return { block: 'sweeps.shared', shape: `sweeps.shared.shapes[${j < 0 ? '*' : j}]` };
  }
  if (run.sweep === 'peer') {
    const j = sweeps.peer?.shapes.findIndex(sameShape(run)) ?? -1;
    return { block: 'sweeps.peer', shape: `sweeps.peer.shapes[${j < 0 ? '*' : j}]` };
  }
  if (run.sweep === 'experts' || !sweeps.fineGrained) {
    const j = sweeps.experts?.shapes.findIndex(sameShape(run)) ?? -1;
    return { block: 'sweeps.experts', shape: `sweeps.experts.shapes[${j < 0 ? '*' : j}]` };
  }
  const grid = sweeps.fineGrained;
  const kind = run.family === 'moe' ? 'moe' : 'dense';
  const blocks: Array<{ shapes: FineGrainedGrid['dense'][number]['shapes']; tokens: number[]; granularities?: number[] }> = run.family === 'moe' ? grid.moe : grid.dense;
  const i = blocks.findIndex((b) => b.tokens.includes(run.tokens) && b.shapes.some(sameShape(run)) && (b.granularities?.includes(run.granularity) ?? true));
  const block = `sweeps.fineGrained.${kind}[${i < 0 ? '*' : i}]`;
  const j = i < 0 ? -1 : blocks[i]!.shapes.findIndex(sameShape(run));
  return { block, shape: `${block}.shapes[${j < 0 ? '*' : j}]` };
}

/** The preset key that sets the trainer-config `field` of `run`. */
export function presetKeyOf(sweeps: SweepsSection, run: SweepRun, field: string): string {
  const { block, shape } = blockOf(sweeps, run);
  if (run.sweep === 'peer' && /^model\.peer\./.test(field)) return field === 'model.peer.experts' ? 'sweeps.peer.experts' : `sweeps.peer.${field.slice('model.peer.'.length)}`;
  if (run.sweep === 'peer' && /^model\.moe\.(expansionRate|granularity)$/.test(field)) return `sweeps.peer.moe.${field.slice('model.moe.'.length)}`;
  if (field === 'model.moe.granularity') return `${block}.granularities`;
  if (run.sweep === 'shared' && /^model\.moe\.(expansionRate|topK|sharedExperts)$/.test(field)) return field === 'model.moe.sharedExperts' ? 'sweeps.shared.sharedExperts' : `sweeps.shared.${field.slice('model.moe.'.length)}`;
  if (field === 'model.moe.expansionRate') return run.sweep === 'experts' ? 'sweeps.experts.experts' : 'sweeps.fineGrained.expansionRate';
  if (field === 'model.moe.topK') return run.sweep === 'experts' ? 'sweeps.experts.topK' : `${block}.granularities`;
  if (field === 'model.moe.every') return run.sweep === 'experts' ? 'sweeps.experts.moeEvery' : `${shape}.layers`;
  if (/^model\.(dModel|layers|heads|dFF)$/.test(field)) return `${shape}.${field.slice('model.'.length)}`;
  if (field === 'tokens') return `${block}.tokens`;
  if (field === 'model.contextLength' || field === 'data.seqLen') return 'train.seqLen';
  if (field === 'data.batchSize') return 'train.batchSize';
  const m = /^model\.moe\.(capacityFactor|groupSize|lbCoef|zCoef)$/.exec(field) ?? /^optimizer\.(lr|betas|eps|weightDecay|gradClip)$/.exec(field) ?? /^schedule\.(warmupFraction|finalLrFraction)$/.exec(field) ?? /^(evalTokens|seed|backend|lossEmaDecay)$/.exec(field);
  if (m) return `train.${m[1]}`;
  return `train (trainer field ${field})`;
}
