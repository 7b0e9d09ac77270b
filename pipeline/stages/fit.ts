/**
 * Stage `fit@<law>` (and `fit@<law>+<variant>` for the protocol-sensitivity refits): fits one law to its runs with
 * a fitting protocol — the preset's (`fit.protocol`, by default each law's defining paper) or one alternative to it
 * — with the protocol's bootstrap, the variable-projection cross-check, the protocol's hold-out extrapolation and
 * the identification verdict, as one typed fit record (`src/laws/record.ts`). A law whose protocol shares a
 * coefficient (Krajewski's dense law takes c from the MoE fit) depends on that fit's instance. A fit that cannot
 * be made at this scale is recorded as `failed` with the reason, so the report says so.
 */
import { defineStage } from '../../src/pipeline/types';
import type { LawName } from '../../src/laws/coefficients';
import { LAWS } from '../../src/laws/forms';
import { protocolVariants, type FitProtocol } from '../../src/laws/protocol';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { PresetError } from '../../src/pipeline/errors';
import { asInput, OUTPUTS } from '../outputs';

interface FitInstance {
  law: LawName;
  /** `paper`/`moelab` for the main fit, else the variant id. */
  variant: string;
  protocol: FitProtocol;
  /** Whether this is the main fit (written to fits/<law>.json). */
  main: boolean;
}

/** Where an instance's record goes. */
export function fitRecordPath(law: LawName, variant: string, main: boolean): string {
  return main ? OUTPUTS.fit(law) : OUTPUTS.fitVariant(variant, law);
}

function instanceName(law: LawName, variant: string, main: boolean): string {
  return main ? law : `${law}+${variant}`;
}

/** Every fit instance of a preset's fit section: the main protocol per law, plus its variants when `sensitivity`. */
export function fitInstances(fit: Preset['fit']): FitInstance[] {
  const out: FitInstance[] = [];
  for (const law of fit.laws) {
    const form = LAWS[law];
    const main = form.protocols[fit.protocol];
    const other = form.protocols[fit.protocol === 'paper' ? 'moelab' : 'paper'];
    out.push({ law, variant: main.id, protocol: main, main: true });
    if (fit.sensitivity) for (const v of protocolVariants(main, other)) out.push({ law, variant: v.id, protocol: v.protocol, main: false });
  }
  return out;
}

export default defineStage<Preset>()({
  name: 'fit',
  module: __filename,
  description: 'law fits by protocol: bootstrap intervals, varpro cross-check, hold-out error, identification; sensitivity refits',
  params: ['fit', 'source'],
  gridParams: ['source'],
  when: trainsItsRuns,
  matrix: (p) => fitInstances(p.fit).map((i) => ({ name: instanceName(i.law, i.variant, i.main), params: i })),
  deps: (_p, i: FitInstance) => ['runs', ...i.protocol.shared.map((s) => `fit@${instanceName(s.fromLaw, i.variant, i.main)}`)],
  inputs: (_p, i: FitInstance) => [asInput(OUTPUTS.runTable), ...i.protocol.shared.map((s) => asInput(fitRecordPath(s.fromLaw, i.variant, i.main)))],
  outputs: (_p, i: FitInstance) => [fitRecordPath(i.law, i.variant, i.main)],
  check(p, i: FitInstance) {
    for (const s of i.protocol.shared) {
      if (!p.fit.laws.includes(s.fromLaw)) {
        throw new PresetError(
          `preset key fit.laws: the ${i.law} law's ${i.protocol.id} protocol takes ${s.coefficient} from the ${s.fromLaw} fit, but fit.laws does not include '${s.fromLaw}'; add it`,
        );
      }
    }
  },
  async run(ctx) {
    const { fitWithEvidence } = await import('../../src/laws/fit/evidence');
    const { readFitRecord, writeFitRecord } = await import('../../src/laws/record');
    const { sharedValues } = await import('../../src/laws/fit/all');
    const { runsForLaw } = await import('../../src/laws/selection');
    const { readRunTable } = await import('../../src/runs/table');
    const inst = ctx.matrix;
    const runs = runsForLaw(inst.law, await readRunTable(ctx.resolve(asInput(OUTPUTS.runTable))));
    const upstream = inst.protocol.shared.map((s) => readFitRecord(ctx.resolve(asInput(fitRecordPath(s.fromLaw, inst.variant, inst.main)))));
    const shared = sharedValues(inst.protocol, upstream);
    const { bootstrap, bootstrapSeed, sensitivityBootstrap } = ctx.params.fit;
    const record = fitWithEvidence(inst.law, runs, {
      protocol: inst.protocol,
      variant: inst.variant,
      shared,
      resamples: inst.main ? (bootstrap ?? undefined) : Math.min(sensitivityBootstrap, inst.protocol.bootstrap.resamples),
      seed: bootstrapSeed,
      progress: (fraction, message) => ctx.progress({ fraction, message }),
    });
    if (record.status === 'failed') ctx.log.warn(`fit@${inst.law} (${inst.variant}): ${record.error}`);
    writeFitRecord(ctx.out(fitRecordPath(inst.law, inst.variant, inst.main)), record);
  },
});
