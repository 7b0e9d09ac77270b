import { FitError } from '../errors';
import type { LawForm, LawName } from '../types';
import { chinchillaLaw } from './chinchilla';
import { clarkLaw } from './clark';
import { expertsLaw } from './experts';
import { fineGrainedLaw } from './fine-grained';

/** Registry of law forms; adding a law = one file in this folder + one line here. */
export const LAWS: Readonly<Record<LawName, LawForm>> = {
  chinchilla: chinchillaLaw,
  'fine-grained': fineGrainedLaw,
  experts: expertsLaw,
  clark: clarkLaw,
};

export const LAW_NAMES = Object.keys(LAWS) as LawName[];

export function getLaw(name: string): LawForm {
  const law = (LAWS as Record<string, LawForm | undefined>)[name];
  if (!law) throw new FitError('unknown-law', `unknown law "${name}": use one of ${LAW_NAMES.join(', ')}`);
  return law;
}

export { chinchillaLaw, clarkLaw, expertsLaw, fineGrainedLaw };
export { YUN_PAPER_INIT_GRID } from './experts';
export { effectiveExperts } from './ehat';
