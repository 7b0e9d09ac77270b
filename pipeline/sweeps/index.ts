import { expandExperts, type ExpertsGrid } from './experts';
import { expandFineGrained, type FineGrainedGrid } from './fine-grained';
import { expandPeer, type PeerGrid } from './peer';
import { expandShared, type SharedGrid } from './shared';
import type { SweepRun } from './types';

export * from './types';
export * from './experts';
export * from './fine-grained';
export * from './shared';
export * from './peer';
export * from './paper';
export * from './preset-key';

/** The sweeps of a preset: any may be null (or, for `shared`, absent) to skip it. */
export interface SweepsSpec {
  fineGrained: FineGrainedGrid | null;
  experts: ExpertsGrid | null;
  shared?: SharedGrid | null;
  peer?: PeerGrid | null;
}

/** All runs of a preset's sweeps, fine-grained first, then experts, shared and peer; throws when two runs share an id. */
export function expandSweeps(spec: SweepsSpec): SweepRun[] {
  const runs = [
    ...(spec.fineGrained ? expandFineGrained(spec.fineGrained) : []),
    ...(spec.experts ? expandExperts(spec.experts) : []),
    ...(spec.shared ? expandShared(spec.shared) : []),
    ...(spec.peer ? expandPeer(spec.peer) : []),
  ];
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.runId)) throw new Error(`sweeps: duplicate run id ${run.runId}`);
    seen.add(run.runId);
  }
  return runs;
}
export * from './to-train-config';
export * from './cost';
