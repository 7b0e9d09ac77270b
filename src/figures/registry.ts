/**
 * Every figure and table moelab draws, one file each (`./<paper>/<figure>.ts`: id, `prepare`, `draw`). The exporter,
 * the gallery, the notebooks, `moelab figures` and the pipeline's `figures` stage all go through this list. Adding a
 * figure: one new file exporting `figure = defineFigure({...})`, and its line here.
 */
import { figure as chinchillaIsoflop } from './chinchilla/isoflop';
import type { FigureEntry } from './figure';
import { figure as krajewskiBootstrap } from './krajewski/bootstrap';
import { figure as krajewskiFig1a } from './krajewski/fig1a';
import { figure as krajewskiFig1b } from './krajewski/fig1b';
import { figure as krajewskiFig3a } from './krajewski/fig3a';
import { figure as krajewskiFig3b } from './krajewski/fig3b';
import { figure as krajewskiFig3c } from './krajewski/fig3c';
import { figure as krajewskiFig4 } from './krajewski/fig4';
import { figure as krajewskiFig5a } from './krajewski/fig5a';
import { figure as krajewskiFig5b } from './krajewski/fig5b';
import { figure as krajewskiFig6 } from './krajewski/fig6';
import { figure as krajewskiFig7 } from './krajewski/fig7';
import { figure as krajewskiTable1 } from './krajewski/table1';
import { figure as krajewskiTable2 } from './krajewski/table2';
import { FigureInputError } from './types';
import { figure as yunFig1 } from './yun/fig1';
import { figure as yunFig2 } from './yun/fig2';
import { figure as yunFig3 } from './yun/fig3';
import { figure as yunFig4 } from './yun/fig4';
import { figure as yunFig5 } from './yun/fig5';
import { figure as yunFig6 } from './yun/fig6';
import { figure as yunFig8 } from './yun/fig8';
import { figure as yunTable1 } from './yun/table1';
import { figure as surveyLifelong } from './survey/lifelong';
import { figure as surveyPeer } from './survey/peer';
import { figure as surveyShared } from './survey/shared';

export type { FigureEntry } from './figure';
export type { FigureInputs } from './inputs';

export const FIGURES: readonly FigureEntry[] = [
  krajewskiFig1a,
  krajewskiFig1b,
  krajewskiFig3a,
  krajewskiFig3b,
  krajewskiFig3c,
  krajewskiFig4,
  krajewskiFig5a,
  krajewskiFig5b,
  krajewskiFig6,
  krajewskiFig7,
  krajewskiTable1,
  krajewskiTable2,
  krajewskiBootstrap,
  yunFig1,
  yunFig2,
  yunFig3,
  yunFig4,
  yunFig5,
  yunFig6,
  yunFig8,
  yunTable1,
  chinchillaIsoflop,
  surveyShared,
  surveyPeer,
  surveyLifelong,
];

/** Entries whose id equals or starts with one of `only` (`krajewski`, `yun.fig3`); all when `only` is empty. */
export function selectFigures(only: readonly string[] | undefined): FigureEntry[] {
  if (!only || only.length === 0) return [...FIGURES];
  const matches = (o: string) => (f: FigureEntry) => f.id === o || f.id.startsWith(`${o}.`) || f.paper === o;
  const unknown = only.filter((o) => !FIGURES.some(matches(o)));
  if (unknown.length > 0) throw new FigureInputError(unknown.join(','), `unknown figure id; known: ${FIGURES.map((f) => f.id).join(', ')}`);
  return FIGURES.filter((f) => only.some((o) => matches(o)(f)));
}
