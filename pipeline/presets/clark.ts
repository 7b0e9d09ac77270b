/**
 * `clark`: Clark et al. 2022's 223 released routed-LM runs (15M-1.3B dense parameters, 1-512 experts, S-Base,
 * RL-R, Hash and dense; vendored in data/released/clark-routing/, Apache-2.0) as a reproduction of their own
 * paper, with no training: the `import` stage reads the table into results/released/ in seconds.
 * Fits of Eq. 1 per router with the authors' protocol, Clark's figures and a report come with the
 * protocol/claim code (issue 14, phase 2).
 */
import type { PresetInput } from './schema';

const clark = {
  name: 'clark',
  description: "Clark et al. 2022's 223 released routed-LM runs, imported (no training, seconds)",
  source: { kind: 'released', table: 'clark' },
  notebooks: { execute: false },
} satisfies PresetInput;
export default clark;
