/**
 * `clark`: Clark et al. 2022's 223 released routed-LM runs (15M-1.3B dense parameters, 1-512 experts, S-Base,
 * RL-R, Hash and dense; vendored in data/released/clark-routing/, Apache-2.0) as a reproduction of their own
 * paper, with no training: the `import` stage reads the table into results/released/ in seconds, then
 * `released-fit@<router>` fits Eq. 1 per router (S-Base, RL-R, Hash; the authors' notebook selection and protocol,
 * 1000 n-of-n bootstrap resamples) into results/fits/released/clark/, `released-claims` tests Yun's and Krajewski's
 * experts claims on each router's runs (tables/released-claims.json), and `released-report` writes REPORT.md: our
 * coefficients with intervals next to the published ones, and the claims' verdicts, per router.
 */
import type { PresetInput } from './schema';

const clark = {
  name: 'clark',
  description: "Clark et al. 2022's 223 released routed-LM runs: import, Eq. 1 per router with bootstrap intervals (no training, under a minute)",
  source: { kind: 'released', table: 'clark' },
  notebooks: { execute: false },
} satisfies PresetInput;
export default clark;
