/**
 * A figure (or table) is one file: its id, a `prepare` that only selects and shapes inputs with the law library,
 * and a `draw` that only draws. `defineFigure` joins them into the registry's entry; what `prepare` had to leave out
 * (a budget without a finite overhead, a fallback constant) it writes as a note, which ends up in the caption.
 */
import type { FigureInputs } from './inputs';
import { composeCaption } from './theme';
import type { FigureOrTable, PaperId } from './types';

export interface Figure<I> {
  /** `<paper>.<figure>`, e.g. `krajewski.fig1a`. */
  id: string;
  paper: PaperId;
  kind: 'figure' | 'table';
  /**
   * Whether the results hold the experiment this figure is about (absent: always). A figure of moelab's own
   * experiments (`survey.*`) applies only to presets that run its sweep; the papers' figures always apply and say
   * why when they cannot be drawn.
   */
  appliesTo?(inputs: FigureInputs): boolean;
  /**
   * The figure's input from the run table and fit records. Throws `FigureInputError` when the results cannot
   * support the figure; pushes onto `notes` anything it left out or substituted, so the caption says so.
   */
  prepare(inputs: FigureInputs, notes: string[]): I;
  /** The Plotly spec or table of a prepared input. */
  draw(input: I): FigureOrTable;
}

/** A registry entry: the figure, with `build` = draw(prepare(inputs)) and prepare's notes in the caption. */
export interface FigureEntry {
  id: string;
  paper: PaperId;
  kind: 'figure' | 'table';
  /** See `Figure.appliesTo`. */
  appliesTo?(inputs: FigureInputs): boolean;
  build(inputs: FigureInputs): FigureOrTable;
}

/** `spec` with `notes` appended to its notes and caption. */
export function withNotes<T extends FigureOrTable>(spec: T, notes: readonly string[]): T {
  if (notes.length === 0) return spec;
  const caption = spec.notes.length > 0 ? `${spec.caption} ${notes.join(' ')}` : composeCaption(spec.caption, [...notes]);
  return { ...spec, notes: [...spec.notes, ...notes], caption };
}

export function defineFigure<I>(figure: Figure<I>): FigureEntry & Figure<I> {
  return {
    ...figure,
    build(inputs) {
      const notes: string[] = [];
      const input = figure.prepare(inputs, notes);
      return withNotes(figure.draw(input), notes);
    },
  };
}
