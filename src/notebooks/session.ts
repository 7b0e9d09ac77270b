/**
 * The one set-up every notebook shares: `const nb = await openNotebook();` finds the runs (results, else the
 * committed reference, else the synthetic table) and says which it found, opens Chromium for PNG fallbacks when
 * it is installed, and gives `nb.show(x)` for figures, tables and danfojs DataFrames, so no notebook repeats a
 * boilerplate cell. It also makes a DataFrame or Series that ends a cell display as an HTML table (tslab
 * prints a cell's last value with `console.log`, which would otherwise dump danfojs's internals).
 */
import util from 'node:util';
import type { FigureRenderer } from '../figures/render';
import { FigureInputError, type FigureOrTable } from '../figures/types';
import { escapeHtml, tableToHtml } from '../figures/tables';
import type { FigureEntry, FigureInputs } from '../figures/registry';
import { figureNotebookHtml, loadNotebookRuns, openNotebookRenderer, type NotebookRuns } from './helpers';
import { frameToHtml, isFrameLike, type FrameLike } from './frame-html';

/** Where rich output goes: tslab's `display` (the default) or anything with the same two methods. */
export interface NotebookDisplay {
  html(html: string): void;
  markdown(markdown: string): void;
}

export interface OpenNotebookOptions {
  /** Output sink; default tslab's `display` (so this module works in any tslab kernel). */
  display?: NotebookDisplay;
  /** Render PNG fallbacks with headless Chromium when it is installed. Default true. */
  png?: boolean;
  /** Print where the runs came from. Default true. */
  announce?: boolean;
}

/** What a notebook works with after `openNotebook()`. */
export interface NotebookSession extends NotebookRuns {
  /** The Chromium renderer for PNG fallbacks (undefined when Chromium is absent or `png: false`). */
  renderer?: FigureRenderer;
  display: NotebookDisplay;
  /**
   * Shows a figure (interactive Plotly with a PNG fallback and its caption), a table spec, a danfojs DataFrame
   * or Series (as an HTML table), or a Markdown string.
   */
  show(item: FigureOrTable | FrameLike | string): Promise<void>;
  /**
   * Builds and shows each entry, e.g. `FIGURES.filter((f) => f.paper === "yun")`; an entry whose inputs
   * cannot support it (`FigureInputError`) is listed with the reason instead of failing the notebook.
   */
  showAll(entries: readonly FigureEntry[], inputs: FigureInputs): Promise<void>;
  /** Closes Chromium (the last cell of every notebook). */
  close(): Promise<void>;
}

function tslabDisplay(): NotebookDisplay {
  // tslab is the kernel this module runs in; it is resolved at run time so that importing moelab outside a
  // notebook never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tslab = require('tslab') as { display: NotebookDisplay };
  return tslab.display;
}

let framesHooked = false;

/**
 * Makes danfojs DataFrame/Series values display as HTML tables when a cell ends with one (tslab logs the
 * value with `console.log`, which goes through `util.inspect`). The logged text is a one-line summary.
 */
export function hookFrameDisplay(display: NotebookDisplay): boolean {
  if (framesHooked) return true;
  let dfd: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dfd = require('danfojs-node') as Record<string, unknown>;
  } catch {
    return false;
  }
  // danfojs-node's DataFrame subclasses danfojs-base's, which groupby/mean return: hook the shared base (NDframe).
  const protos = new Set<Record<symbol, unknown>>();
  for (const name of ['DataFrame', 'Series']) {
    let proto = (dfd[name] as { prototype?: object } | undefined)?.prototype;
    while (proto && proto !== Object.prototype) {
      const next = Object.getPrototypeOf(proto) as object | null;
      if (!next || next === Object.prototype) protos.add(proto as Record<symbol, unknown>);
      proto = next ?? undefined;
    }
  }
  for (const proto of protos) {
    proto[util.inspect.custom] = function (this: FrameLike) {
      display.html(frameToHtml(this));
      const shape = this.shape ?? [];
      return `${this.$isSeries ? 'Series' : 'DataFrame'} ${shape[0] ?? '?'} rows × ${shape[1] ?? 1} columns (shown as a table above)`;
    };
  }
  framesHooked = true;
  return true;
}

/** Opens the notebook session (see the module comment). */
export async function openNotebook(options: OpenNotebookOptions = {}): Promise<NotebookSession> {
  const display = options.display ?? tslabDisplay();
  const loaded = await loadNotebookRuns();
  if (options.announce ?? true) {
    const where = loaded.file ? ` (${loaded.file})` : ' (synthetic table: no results and no committed reference found)';
    console.log(`${loaded.runs.length} runs from ${loaded.source}${where}`);
  }
  const renderer = (options.png ?? true) ? await openNotebookRenderer() : undefined;
  hookFrameDisplay(display);
  const show = async (item: FigureOrTable | FrameLike | string): Promise<void> => {
    if (typeof item === 'string') display.markdown(item);
    else if (isFrameLike(item)) display.html(frameToHtml(item));
    else if (item.kind === 'figure') display.html(await figureNotebookHtml(item, renderer));
    else display.html(tableToHtml(item));
  };
  return {
    ...loaded,
    renderer,
    display,
    show,
    async showAll(entries, inputs) {
      for (const entry of entries) {
        let spec: FigureOrTable;
        try {
          spec = entry.build(inputs);
        } catch (err) {
          if (!(err instanceof FigureInputError)) throw err;
          display.html(`<p><i>${escapeHtml(entry.id)} not drawn: ${escapeHtml(err.message)}</i></p>`);
          continue;
        }
        await show(spec);
      }
    },
    async close() {
      await renderer?.close();
    },
  };
}
