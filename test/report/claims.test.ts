import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpertsCoefficients, FineGrainedCoefficients } from '../../src/laws/coefficients';
import { LAWS } from '../../src/laws/forms';
import { lawLoss } from '../../src/laws/predict';
import { PUBLISHED } from '../../src/laws/published';
import {
  decide,
  inconclusiveReason,
  percentileInterval,
  diminishingReturns,
  everyMoeBeatsDense,
  expertsSaturate,
  fitQuality,
  granularityHelps,
  headlineClaims,
  moeBeatsDense,
  optimalGranularityClaims,
  publishedChecks,
  sharedExpertHelps,
  peerMoreExpertsHelp,
  lifelongLessForgetting,
  computeClaims,
  type ClaimResult,
  type Verdict,
} from '../../src/report/claims';
import { expertsTable, fineGrainedTable, jittered, lifelongRecords, peerTable, recordWithSamples, sharedTable } from './claims-fixtures';

const P = { protocol: 'test', column: 'valLoss' as const };
const expectVerdict = (c: ClaimResult, v: Verdict) => assert.equal(c.verdict, v, `${c.id}: ${c.verdict} (${c.evidence}; ${c.reason ?? ''})`);

/** A fine-grained law at tiny scale (Eq. 9 shape) with a granularity term of size `g`. */
const fgLoss = (g: number) => (c: { paramsTotal: number; tokens: number; granularity: number; dense: boolean }) =>
  1.2 + (c.dense ? 2 * g + 8 : g / c.granularity ** 0.6 + 8) / c.paramsTotal ** 0.2 + 30 / c.tokens ** 0.3;

describe('decide: holds above 0, fails below the smallest effect of interest, inconclusive otherwise', () => {
  it('maps intervals to verdicts', () => {
    assert.equal(decide({ estimate: 0.1, lo: 0.01, hi: 0.2 }, 0.05), 'holds');
    assert.equal(decide({ estimate: 0, lo: -0.1, hi: 0.04 }, 0.05), 'fails');
    assert.equal(decide({ estimate: 0, lo: -0.1, hi: 0.2 }, 0.05), 'inconclusive');
    assert.equal(decide({ estimate: 0.01, lo: 0.001, hi: 0.02 }, 0.05), 'fails'); // significant but credibly negligible
    assert.equal(decide({ estimate: 0, lo: -Infinity, hi: Infinity }, 0), 'inconclusive');
  });
  it('an effect undefined on the full data, or an interval over too few surviving resamples, decides nothing', () => {
    // the tiny reference once read "holds" from NaN [1.47, 226]: 54 of 200 resamples finite, the full-data ratio NaN
    assert.equal(decide({ estimate: Number.NaN, lo: 1.47, hi: 226 }, 0.1), 'inconclusive');
    const values = [...Array.from({ length: 70 }, (_, i) => 1 + i / 10), ...Array.from({ length: 30 }, () => Number.NaN)];
    const sparse = percentileInterval(values, 0.95, 'q', 2, 'bootstrap');
    assert.equal(sparse.undefinedFraction, 0.3);
    assert.match(sparse.method, /70 of 100 resamples finite/);
    assert.equal(decide(sparse, 0.1), 'inconclusive');
    assert.match(inconclusiveReason(sparse, 0.1), /30% of the bootstrap resamples give no finite value/);
    const dense = percentileInterval(values.slice(0, 70).concat([Number.NaN, Number.NaN]), 0.95, 'q', 2, 'bootstrap');
    assert.equal(decide(dense, 0.1), 'holds');
  });
});

describe('krajewski.granularity-helps', () => {
  it('holds when the planted law lowers the loss with G', () => expectVerdict(granularityHelps({ ...P, runs: fineGrainedTable({ loss: fgLoss(3), noise: 0.002 }) }), 'holds'));
  it('fails when G raises the loss', () => {
    const runs = fineGrainedTable({ loss: (c) => 3 + 0.03 * Math.log2(c.granularity), noise: 0.002 });
    expectVerdict(granularityHelps({ ...P, runs }), 'fails');
  });
  it('fails when granularity has no effect and the noise is small', () => expectVerdict(granularityHelps({ ...P, runs: fineGrainedTable({ loss: () => 3, noise: 0.001 }) }), 'fails'));
  it('is inconclusive when noise swamps a small effect', () => {
    const runs = fineGrainedTable({ loss: (c) => 3 - 0.005 * Math.log2(c.granularity), noise: 0.05, dModels: [32], tokens: [64e3, 128e3] });
    expectVerdict(granularityHelps({ ...P, runs }), 'inconclusive');
  });
  it('uses seed replicates for the interval of a single cell', () => {
    const runs = fineGrainedTable({ loss: fgLoss(3), noise: 0.002, seeds: 3, dModels: [64], tokens: [256e3] });
    const c = granularityHelps({ ...P, runs });
    expectVerdict(c, 'holds');
    assert.match(c.effect!.method, /seed replicates/);
  });
});

describe('krajewski.moe-beats-dense (per granularity, every G must hold)', () => {
  it('holds when every G beats dense', () => expectVerdict(moeBeatsDense({ ...P, runs: fineGrainedTable({ loss: fgLoss(3), noise: 0.002 }) }), 'holds'));
  it('fails when one G is worse than dense, even though the best MoE beats it', () => {
    const runs = fineGrainedTable({ loss: (c) => (c.dense ? 3 : c.granularity === 4 ? 2.9 : 3.05), noise: 0.002 });
    const c = moeBeatsDense({ ...P, runs });
    expectVerdict(c, 'fails');
    assert.equal(c.cases!.find((x) => x.label.startsWith('G = 4'))!.verdict, 'holds');
  });
  it('is inconclusive under noise', () => expectVerdict(moeBeatsDense({ ...P, runs: fineGrainedTable({ loss: (c) => (c.dense ? 3.01 : 3), noise: 0.05, tokens: [64e3] }) }), 'inconclusive'));
});

describe('krajewski.optimal-g-above-1 and optimal-g-grows (bootstrap of the fit, runs-range budgets)', () => {
  const runs = fineGrainedTable({ loss: fgLoss(3), noise: 0.002 });
  const planted: FineGrainedCoefficients = { a: 1.65, alpha: 0.159, b: 23.4, beta: 0.215, c: 0.39, g: 1.81, gamma: 0.277 };
  it('hold when every resample puts G* above 1 and growing', () => {
    const [above, grows] = optimalGranularityClaims({ runs, record: recordWithSamples('fine-grained', planted, jittered(planted, 40, 0.01)) });
    expectVerdict(above!, 'holds');
    expectVerdict(grows!, 'holds');
  });
  it('fail when the planted law has no granularity term (G* = 1: routing only costs)', () => {
    const flat = { ...planted, g: 1e-9 };
    const [above, grows] = optimalGranularityClaims({ runs, record: recordWithSamples('fine-grained', flat, jittered(flat, 40, 0.01)) });
    expectVerdict(above!, 'fails');
    expectVerdict(grows!, 'fails');
  });
  it('are inconclusive when the resamples disagree', () => {
    const flat = { ...planted, g: 1e-9 };
    const mixed = [...jittered(planted, 20, 0.01), ...jittered(flat, 20, 0.01)];
    const [above, grows] = optimalGranularityClaims({ runs, record: recordWithSamples('fine-grained', planted, mixed) });
    expectVerdict(above!, 'inconclusive');
    expectVerdict(grows!, 'inconclusive');
  });
  it("say whether G* at the largest budget lies inside the swept G range or is extrapolated beyond it", () => {
    const record = recordWithSamples('fine-grained', planted, jittered(planted, 40, 0.01));
    const [narrow] = optimalGranularityClaims({ runs, record }); // swept G 1–4
    const [wide] = optimalGranularityClaims({ runs: fineGrainedTable({ loss: fgLoss(3), noise: 0.002, granularities: [1, 2, 4, 8, 16, 32, 64, 128, 256] }), record });
    const g = Number(/G\* = ([\d.]+) at/.exec(narrow!.evidence)![1]);
    assert.ok(g > 4 && g <= 256, narrow!.evidence);
    assert.match(narrow!.evidence, /lies above the largest swept G \(4\) \(in \d+ of 40 resamples\): the optimum is Eq\. 9 extrapolated in G/);
    assert.match(wide!.evidence, /G\* lies within the swept G range 1–256 \(above it in 0 of 40 resamples\)/);
  });
  it('are inconclusive, with the reason, without a fit', () => {
    for (const c of optimalGranularityClaims({ runs, record: undefined })) {
      expectVerdict(c, 'inconclusive');
      assert.match(c.reason!, /no fine-grained fit/);
    }
  });
});

const expertsPower = (k: number, beta: number) => (c: { paramsDense: number; experts: number; tokens: number }) => 1.5 + 20 / c.paramsDense ** 0.3 + k * c.experts ** -beta + 40 / c.tokens ** 0.3;

describe('yun.moe-beats-dense (every expert count)', () => {
  it('holds when every E beats dense', () => expectVerdict(everyMoeBeatsDense({ ...P, runs: expertsTable({ loss: expertsPower(0.2, 0.5), noise: 0.002 }) }), 'holds'));
  it('fails when one E is worse than dense although most are better (not a majority vote)', () => {
    const runs = expertsTable({ loss: (c) => (c.experts === 1 ? 3 : c.experts === 32 ? 3.05 : 2.9), noise: 0.002 });
    expectVerdict(everyMoeBeatsDense({ ...P, runs }), 'fails');
  });
  it('is inconclusive under noise', () => expectVerdict(everyMoeBeatsDense({ ...P, runs: expertsTable({ loss: expertsPower(0.02, 0.5), noise: 0.05 }) }), 'inconclusive'));
});

describe('yun.diminishing-returns (gain per doubling shrinks)', () => {
  it('holds for a power law in E', () => expectVerdict(diminishingReturns({ ...P, runs: expertsTable({ loss: expertsPower(0.2, 0.5), noise: 0.001 }) }), 'holds'));
  it('fails for returns that grow with each doubling', () => {
    const runs = expertsTable({ loss: (c) => 3 - 0.01 * Math.log2(c.experts) ** 2, noise: 0.001 });
    expectVerdict(diminishingReturns({ ...P, runs }), 'fails');
  });
  it('is inconclusive under noise', () => expectVerdict(diminishingReturns({ ...P, runs: expertsTable({ loss: expertsPower(0.05, 0.5), noise: 0.05 }) }), 'inconclusive'));
});

describe('yun.experts-saturate (held-out pure power law in E)', () => {
  // eStart = 1 and eMax → ∞: Ê = E, a pure power law in E
  const base: ExpertsCoefficients = { A: 20, alpha: 0.3, B: 0.4, beta: 0.6, C: 40, gamma: 0.3, F: 1.5, d: 0, eStart: 1, eMax: 1e12 };
  const lossOf = (c: ExpertsCoefficients) => (r: { paramsDense: number; experts: number; tokens: number }) => lawLoss(LAWS.experts, c, [r.paramsDense, r.experts, r.tokens]);
  const fitProtocol = LAWS.experts.protocols.moelab as never;
  it('holds when the planted Ê saturates early (E_max = 8)', () => {
    const runs = expertsTable({ loss: lossOf({ ...base, B: 2, eMax: 8 }), noise: 0.0005 });
    expectVerdict(expertsSaturate({ ...P, runs, fitProtocol }), 'holds');
  });
  it('fails for a pure power law in E (no saturation), which the old ratio test passed', () => {
    const runs = expertsTable({ loss: lossOf(base), noise: 0.0005 });
    expectVerdict(expertsSaturate({ ...P, runs, fitProtocol }), 'fails');
  });
  it('is inconclusive under noise', () => {
    const runs = expertsTable({ loss: lossOf({ ...base, B: 2, eMax: 8 }), noise: 0.03 });
    expectVerdict(expertsSaturate({ ...P, runs, fitProtocol }), 'inconclusive');
  });
});

describe('yun.fit-quality (held-out error against the noise floor, identified fits only)', () => {
  const c: ExpertsCoefficients = { A: 20, alpha: 0.3, B: 0.4, beta: 0.6, C: 40, gamma: 0.3, F: 1.5, d: 0, eStart: 1.5, eMax: 300 };
  const runs = expertsTable({ loss: expertsPower(0.2, 0.5), noise: 0.006, seeds: 2 });
  const withHoldout = (rmseLog: number) =>
    recordWithSamples('experts', c, [c], {
      holdout: { rule: { rule: 'largest-compute', fraction: 0.2 }, nTrain: 48, nHeldOut: 12, rmseLog, coefficients: c, heldOut: [] },
    } as never);
  it('holds when the held-out error is at the noise', () => expectVerdict(fitQuality({ record: withHoldout(0.002), runs, column: 'valLoss' }), 'holds'));
  it('fails when the held-out error is many times the noise', () => expectVerdict(fitQuality({ record: withHoldout(0.05), runs, column: 'valLoss' }), 'fails'));
  it('is inconclusive for an unidentified fit whatever its RMSLE (the tiny reference passed a degenerate fit)', () => {
    const r = { ...withHoldout(0.001), identification: { identified: false, coefficients: [], summary: 'not identified: E_start' } };
    const claim = fitQuality({ record: r as never, runs, column: 'valLoss' });
    expectVerdict(claim, 'inconclusive');
    assert.match(claim.reason!, /not identified/);
  });
});

describe("Yun's headline numbers from our fit (gated on identification)", () => {
  const c: ExpertsCoefficients = { A: 400, alpha: 0.34, B: 0.6, beta: 0.8, C: 900, gamma: 0.33, F: 1.5, d: 0.001, eStart: 2, eMax: 256 };
  const inputs = { budgetsFlops: [5e21], gpu: 'A100-40GB', maxResamples: 8 };
  it('are inconclusive with the identification summary when the fit is not identified', () => {
    const r = { ...recordWithSamples('experts', c, jittered(c, 8, 0.001)), identification: { identified: false, coefficients: [], summary: 'not identified: B' } };
    for (const claim of headlineClaims({ ...inputs, record: r as never })) {
      expectVerdict(claim, 'inconclusive');
      assert.match(claim.reason!, /not identified/);
    }
  });
  it('hold or fail by where the computed value lies against the claimed range', () => {
    const claims = headlineClaims({ ...inputs, record: recordWithSamples('experts', c, jittered(c, 8, 0.001)) });
    for (const claim of claims) assert.notEqual(claim.effect, null, claim.id);
    // every verdict follows its effect's interval
    for (const claim of claims) assert.equal(claim.verdict, decide(claim.effect!, 0), claim.id);
    const cost = claims.find((x) => x.id === 'yun.overtrained-inference-cost')!;
    assert.match(cost.evidence, /paper: 0.47–0.52/);
  });
});

describe("solver checks on the published coefficients carry the coefficients' rounding", () => {
  it('Table 2 holds for the printed coefficients; the 1e20 overhead is inconclusive under their rounding', () => {
    const [table2, o20] = publishedChecks({ draws: 24 });
    expectVerdict(table2!, 'holds');
    expectVerdict(o20!, 'inconclusive');
    assert.equal(o20!.kind, 'published');
  });
  it('the 20x check holds for coefficients printed to many digits and fails for a dense law far off', () => {
    const moe = PUBLISHED.krajewski.table1MoE.values;
    const dense = PUBLISHED.krajewski.table1Dense.values;
    const precise = Object.fromEntries(Object.entries(moe).map(([k, v]) => [k, v + 1e-9])) as FineGrainedCoefficients;
    const preciseDense = { ...dense, a: dense.a + 1e-9, alpha: dense.alpha + 1e-9, b: dense.b + 1e-9, beta: dense.beta + 1e-9, c: dense.c + 1e-9 };
    expectVerdict(publishedChecks({ moe: precise, dense: preciseDense, draws: 12 })[1]!, 'holds');
    expectVerdict(publishedChecks({ moe: precise, dense: { ...preciseDense, a: 160.3 }, draws: 12 })[1]!, 'fails');
  });
});

describe('deepseek.shared-expert-helps', () => {
  const base = (c: { paramsActive: number; tokens: number }) => 1.2 + 8 / c.paramsActive ** 0.2 + 30 / c.tokens ** 0.3;
  it('holds when a planted shared expert lowers the loss by 0.03 nats at every G', () => {
    const runs = sharedTable({ loss: (c) => base(c) - 0.03 * c.sharedExperts, noise: 0.003, seeds: 2 });
    const claim = sharedExpertHelps({ runs });
    expectVerdict(claim, 'holds');
    assert.deepEqual(claim.cases?.map((c) => c.label.replace(/ \(.*\)/, '')), ['G = 2, 1 shared', 'G = 4, 1 shared', 'G = 8, 1 shared']);
    assert.match(claim.evidence, /run-to-run σ/);
  });
  it('fails when sharing raises the loss at one granularity (every G must hold)', () => {
    const runs = sharedTable({ loss: (c) => base(c) + (c.granularity === 8 ? 0.03 : -0.03) * c.sharedExperts, noise: 0.003, seeds: 2 });
    const claim = sharedExpertHelps({ runs });
    expectVerdict(claim, 'fails');
    assert.equal(claim.cases?.find((c) => c.label.startsWith('G = 8'))?.verdict, 'fails');
  });
  it('is inconclusive when a 0.01-nat benefit sits in 0.05 nats of seed noise', () => {
    const runs = sharedTable({ loss: (c) => base(c) - 0.01 * c.sharedExperts, noise: 0.05, seeds: 2, seed: 3 });
    expectVerdict(sharedExpertHelps({ runs }), 'inconclusive');
  });
  it('compares only runs of the same cell: a shared count with no unshared partner is undecided, not compared across G', () => {
    const runs = sharedTable({ loss: (c) => base(c) - 0.03 * c.sharedExperts, noise: 0.003, seeds: 2 }).filter((r) => !(r.granularity === 4 && (r.sharedExperts ?? 0) === 0));
    const claim = sharedExpertHelps({ runs });
    expectVerdict(claim, 'inconclusive');
    assert.match(claim.cases?.find((c) => c.label.startsWith('G = 4'))?.reason ?? '', /no cell has this shared count and a run without sharing/);
  });
  it('says how both arms compare with the dense baseline of their cell, so a shared expert that only rescues an MoE worse than dense shows', () => {
    const moe = sharedTable({ loss: (c) => base(c) - 0.03 * c.sharedExperts, noise: 0.003, seeds: 2, granularities: [2] });
    const dense = moe
      .filter((r) => (r.sharedExperts ?? 0) === 0)
      .map((r) => ({ ...r, runId: r.runId.replace('sh-g2-sh0', 'sh-dense'), family: 'dense' as const, router: 'none' as const, granularity: 1, experts: 1, topKEffective: 1, valLoss: r.valLoss - 0.1 }));
    const claim = sharedExpertHelps({ runs: [...moe, ...dense] });
    expectVerdict(claim, 'holds');
    assert.match(claim.evidence, /Against the dense baseline of each cell .*G = 2: -0\.1\d\d without, -0\.0[67]\d with 1 shared/);
  });
  it('computeClaims runs it on the shared sweep only, and the Krajewski claims never read shared runs', () => {
    const runs = sharedTable({ loss: (c) => base(c) - 0.03 * c.sharedExperts, noise: 0.003, seeds: 2 });
    const ids = computeClaims({ runs, records: [], inferenceBudgetsFlops: [], gpu: 'H100' }).map((c) => c.id);
    assert.deepEqual(ids, ['deepseek.shared-expert-helps']);
  });
});

describe('he.peer-more-experts-help', () => {
  const base = (c: { dModel: number; tokens: number }) => 1.2 + 8 / c.dModel ** 0.5 + 30 / c.tokens ** 0.3;
  it('holds when the planted loss falls by 0.03 nats per 4× experts', () => {
    const claim = peerMoreExpertsHelp({ runs: peerTable({ loss: (c) => base(c) - 0.03 * Math.log(c.experts) / Math.log(4), noise: 0.003, seeds: 2 }) });
    expectVerdict(claim, 'holds');
    assert.deepEqual(claim.cases?.map((c) => c.label.replace(/ \(.*\)/, '')), ['N 1024 → 4096', 'N 4096 → 16384']);
    assert.match(claim.evidence, /run-to-run σ/);
  });
  it('fails when the largest pool is planted 0.03 nats worse (undertrained experts), even though the first step helps', () => {
    const claim = peerMoreExpertsHelp({ runs: peerTable({ loss: (c) => base(c) + (c.experts === 4096 ? -0.03 : c.experts === 16384 ? 0 : 0), noise: 0.003, seeds: 2 }) });
    expectVerdict(claim, 'fails');
    assert.equal(claim.cases?.[0]?.verdict, 'holds');
    assert.equal(claim.cases?.[1]?.verdict, 'fails');
  });
  it('is inconclusive when run-to-run noise (0.05) swamps a 0.01-nat planted gain', () => {
    expectVerdict(peerMoreExpertsHelp({ runs: peerTable({ loss: (c) => base(c) - 0.01 * Math.log(c.experts) / Math.log(4), noise: 0.05, seeds: 2, seed: 3 }) }), 'inconclusive');
  });
  it('states each N against dense and the MoE baseline with its FLOPs ratio, and is picked by computeClaims for the peer sweep only', () => {
    const peer = peerTable({ loss: (c) => base(c) - 0.03 * Math.log(c.experts) / Math.log(4), noise: 0.003, seeds: 2, experts: [1024, 4096] });
    const dense = peer
      .filter((r) => r.experts === 1024)
      .map((r) => ({ ...r, runId: r.runId.replace('peer-n1024', 'peer-dense'), family: 'dense' as const, router: 'none' as const, granularity: 1, experts: 1, topKEffective: 1, expansionRate: 1, flopsKrajewski: r.flopsKrajewski / 2, valLoss: r.valLoss + 0.1 }));
    const claim = peerMoreExpertsHelp({ runs: [...peer, ...dense] });
    expectVerdict(claim, 'holds');
    assert.match(claim.evidence, /against dense .*N 1024: 0\.1\d\d at 2\.00× its FLOPs; N 4096: 0\.1[2-4]\d at 2\.00× its FLOPs/);
    assert.doesNotMatch(claim.evidence, /against MoE/);
    const ids = computeClaims({ runs: [...peer, ...dense], records: [], inferenceBudgetsFlops: [], gpu: 'H100' }).map((c) => c.id);
    assert.deepEqual(ids, ['he.peer-more-experts-help']);
  });
  it('one expert count is inconclusive: nothing to compare', () => {
    const claim = peerMoreExpertsHelp({ runs: peerTable({ loss: base, noise: 0.003, experts: [4096] }) });
    expectVerdict(claim, 'inconclusive');
    assert.match(claim.reason ?? '', /one expert count only/);
  });
});

describe('chen.lifelong-less-forgetting', () => {
  it('holds when grow-frozen is planted to forget 0.05 nats where fine-tuning forgets 0.3', () => {
    const claim = lifelongLessForgetting({ records: lifelongRecords({ forgetting: { finetune: 0.3, 'grow-frozen': 0.05, grow: 0.25 }, noise: 0.01 }) });
    expectVerdict(claim, 'holds');
    assert.ok(claim.effect && Math.abs(claim.effect.estimate - 0.25) < 0.02, `effect ${claim.effect?.estimate}`);
    assert.match(claim.evidence, /5 seeds; base E·G = 8, grown 16 \(frozen: old-experts, old-router\)/);
    assert.match(claim.evidence, /cost on the new corpus/);
    assert.match(claim.evidence, /added experts without freezing/);
  });
  it('fails when grow-frozen is planted to forget more than fine-tuning (0.3 vs 0.1)', () => {
    expectVerdict(lifelongLessForgetting({ records: lifelongRecords({ forgetting: { finetune: 0.1, 'grow-frozen': 0.3, grow: 0.1 }, noise: 0.01 }) }), 'fails');
  });
  it("measures forgetting from the base run's loss, not the grown model's perturbed first step: grow-frozen planted to forget 0.2 more fails even though its own 'before' was 3.8", () => {
    const claim = lifelongLessForgetting({ records: lifelongRecords({ forgetting: { finetune: 0.1, 'grow-frozen': 0.3, grow: 0.3 }, grownBefore: 3.8, noise: 0.01 }) });
    expectVerdict(claim, 'fails');
    assert.match(claim.evidence, /old-corpus loss of the grown model before its first step 3\.8/);
  });
  it('is inconclusive when seed noise (0.1) swamps a 0.02-nat planted difference', () => {
    expectVerdict(lifelongLessForgetting({ records: lifelongRecords({ forgetting: { finetune: 0.12, 'grow-frozen': 0.1, grow: 0.12 }, noise: 0.1, seeds: 3, seed: 2 }) }), 'inconclusive');
  });
  it('with no record it is inconclusive, and computeClaims adds it only when records are given', () => {
    const none = lifelongLessForgetting({ records: [] });
    expectVerdict(none, 'inconclusive');
    assert.equal(none.reason, 'no lifelong record');
    const records = lifelongRecords({ forgetting: { finetune: 0.3, 'grow-frozen': 0.05, grow: 0.25 }, noise: 0.01 });
    assert.deepEqual(computeClaims({ runs: [], records: [], inferenceBudgetsFlops: [], gpu: 'H100', lifelong: records }).map((c) => c.id), ['chen.lifelong-less-forgetting']);
    assert.deepEqual(computeClaims({ runs: [], records: [], inferenceBudgetsFlops: [], gpu: 'H100' }).map((c) => c.id), []);
  });
});
