import { FitError } from '../errors';
import { isLawName, type CoefficientsOf, type LawName } from '../coefficients';
import type { LawForm } from '../types';
import { chinchillaLaw, denseLaw } from './chinchilla';
import { clarkLaw } from './clark';
import { expertsLaw } from './experts';
import { fineGrainedLaw } from './fine-grained';

/** The law form of each law name, typed by its coefficient record. */
export type LawRegistry = { readonly [L in LawName]: LawForm<CoefficientsOf<L>> };

/** Registry of law forms; adding a law = one file in this folder, its coefficient schema, and one line here. */
export const LAWS: LawRegistry = {
  chinchilla: chinchillaLaw,
  dense: denseLaw,
  'fine-grained': fineGrainedLaw,
  experts: expertsLaw,
  clark: clarkLaw,
};

export { LAW_NAMES } from '../coefficients';

/** The law form named `name` (a `FitError` naming the known laws for anything else). */
export function getLaw<L extends LawName>(name: L): LawForm<CoefficientsOf<L>>;
export function getLaw(name: string): LawForm;
export function getLaw(name: string): LawForm {
  if (!isLawName(name)) throw new FitError('unknown-law', `unknown law "${name}": use one of ${Object.keys(LAWS).join(', ')}`);
  return LAWS[name];
}

export { chinchillaLaw, clarkLaw, denseLaw, expertsLaw, fineGrainedLaw };
export { YUN_PAPER_INIT_GRID } from './experts';
export { effectiveExperts } from './ehat';
