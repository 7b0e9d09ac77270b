import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/laws/fit/rng';
import { claimsOnReleasedRuns, parseReleasedClaims, releasedClaimRuns, releasedClaimsJson, RELEASED_CLAIMS, type ReleasedClaimsTable } from '../../src/report/claims/released';
import { releasedClaimBlocks } from '../../src/report/clark';
import { toMarkdown } from '../../src/report/document';
import { clarkTable, type SyntheticClarkRun } from '../runs/released/clark-synthetic';

const SIZES = [16.5e6, 57.4e6, 132e6, 368e6];
const EXPERTS = [1, 2, 4, 8, 16];
const TOKENS = { value: 130e9, source: 'stated by the test' };

/** Dense loss by size plus the planted MoE effect `gain(E)` (nats; positive = MoE better), with 0.001 noise. */
function planted(gain: (e: number) => number, router: SyntheticClarkRun['router'] = 'S-Base', seed = 3): SyntheticClarkRun[] {
  const rng = new SeededRandom(seed);
  const out: SyntheticClarkRun[] = [];
  for (const n of SIZES) {
    const dense = 3.2 - 0.25 * Math.log10(n / 1e7);
    for (const e of EXPERTS) out.push({ router: e === 1 ? 'Dense' : router, experts: e, paramsDense: n, finalLoss: dense - (e === 1 ? 0 : gain(e)) + 0.001 * rng.normal() });
  }
  return out;
}

const claims = (runs: SyntheticClarkRun[], tokens: typeof TOKENS | null = TOKENS) =>
  claimsOnReleasedRuns(clarkTable(runs).runs, { table: 'synthetic-clark', routers: [{ id: 's-base', router: 'S-Base' }], tokens });
const row = (t: ReleasedClaimsTable, id: string) => t.rows.find((r) => r.claim.id === id)!;

describe('experts claims on a Clark-format released table', () => {
  test('every MoE size beats dense holds on a table planted with MoE 0.05 nats better at every E and N, and fails when planted 0.05 nats worse', () => {
    const better = row(claims(planted(() => 0.05)), 'yun.moe-beats-dense');
    assert.equal(better.claim.verdict, 'holds', better.claim.evidence);
    assert.deepEqual(better.claim.cases!.map((c) => [c.label, c.verdict]), [['E = 2 (4 cells)', 'holds'], ['E = 4 (4 cells)', 'holds'], ['E = 8 (4 cells)', 'holds'], ['E = 16 (4 cells)', 'holds']]);
    assert.equal(better.runs, 20);
    const worse = row(claims(planted(() => -0.05)), 'yun.moe-beats-dense');
    assert.equal(worse.claim.verdict, 'fails', worse.claim.evidence);
  });

  test('diminishing returns holds when each doubling of E gains less than the one before, and fails when the gain per doubling grows', () => {
    const shrinking = row(claims(planted((e) => 0.1 * Math.sqrt(Math.log2(e)))), 'yun.diminishing-returns');
    assert.equal(shrinking.claim.verdict, 'holds', shrinking.claim.evidence);
    const growing = row(claims(planted((e) => 0.02 * Math.log2(e) ** 2)), 'yun.diminishing-returns');
    assert.equal(growing.claim.verdict, 'fails', growing.claim.evidence);
  });

  test("Krajewski's MoE-beats-dense is kept as an inconclusive row naming granularity and the FLOP columns the released table cannot give, with no effect computed", () => {
    const t = claims(planted(() => 0.05));
    assert.deepEqual(t.rows.map((r) => r.claim.id), RELEASED_CLAIMS.map((c) => c.id), 'one row per claim, none dropped');
    const k = row(t, 'krajewski.moe-beats-dense');
    assert.equal(k.claim.verdict, 'inconclusive');
    assert.equal(k.claim.effect, null);
    assert.equal(k.claim.cases, undefined);
    assert.match(k.claim.statement, /MoE outperforms the dense Transformer at the same active size/);
    assert.match(k.claim.reason ?? '', /its code reads granularity, which synthetic-clark does not give \(Krajewski’s granularity needs the expert width/);
    assert.match(k.claim.reason ?? '', /flopsKrajewski/);
  });

  test('without tokens in the table or stated for it, the claims that compare at equal tokens are inconclusive naming tokens', () => {
    const t = claims(planted(() => 0.05), null);
    for (const id of ['yun.moe-beats-dense', 'yun.diminishing-returns', 'yun.experts-saturate']) {
      const r = row(t, id);
      assert.equal(r.claim.verdict, 'inconclusive', id);
      assert.match(r.claim.reason ?? '', /its code reads tokens, which synthetic-clark does not give \(the table records no tokens and no training tokens are stated for its runs\)/, id);
    }
  });

  test('released runs become run-table rows with what they hold, the stated tokens, and NaN (never a guess) for what they do not', () => {
    const [r] = releasedClaimRuns(clarkTable(planted(() => 0.05)).runs.slice(0, 1), 'synthetic/S-Base', TOKENS);
    assert.equal(r!.tokens, 130e9);
    assert.equal(r!.paramsDense, 16.5e6);
    assert.equal(r!.sweep, 'synthetic/S-Base');
    for (const k of ['dFF', 'granularity', 'expansionRate', 'paramsActive', 'flopsKrajewski', 'flops6ND', 'trainLossSmoothed'] as const) assert.ok(Number.isNaN(r![k]), k);
  });

  test('the claims table survives its JSON, and the report shows a verdict per claim and router with the reasons', () => {
    const t = claims(planted(() => 0.05));
    const back = parseReleasedClaims(releasedClaimsJson(t));
    assert.deepEqual(back.rows.map((r) => r.claim.verdict), t.rows.map((r) => r.claim.verdict));
    const md = toMarkdown(releasedClaimBlocks(back));
    assert.match(md, /^\| yun\.moe-beats-dense \| \*\*holds\*\* \|$/m);
    assert.match(md, /^\| krajewski\.moe-beats-dense \| inconclusive \|$/m);
    assert.match(md, /\*\*Why inconclusive:\*\* synthetic-clark's S-Base runs cannot be tested on this claim: its code reads granularity/);
    assert.match(md, /yun\.moe-beats-dense on the S-Base runs: every case must hold/);
  });
});

describe('trained presets show the experts claims at real scale beside our runs', () => {
  test('atScaleBlocks puts our verdict and each router verdict of the same claim id in one row, and names untested claims', async () => {
    const { atScaleBlocks } = await import('../../src/report/build');
    const atScale = claims(planted(() => 0.05));
    const ours = { protocol: 'paper', claims: [{ ...row(atScale, 'yun.moe-beats-dense').claim, verdict: 'fails' as const }], published: [], sensitivity: [] };
    const md = toMarkdown(atScaleBlocks(ours as never, atScale));
    assert.match(md, /\| yun\.moe-beats-dense \| \*\*fails\*\*[^|]*\| \*\*holds\*\*/);
    assert.match(md, /\| yun\.diminishing-returns \| not tested \|/);
    assert.match(md, /synthetic-clark: S-Base/);
  });
});
