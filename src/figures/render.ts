/**
 * Renders figure specs to PNG/SVG with ONE headless Chromium (Debian `/usr/bin/chromium`, driven by
 * playwright-core with `executablePath`; never a tool's own browser download) and plotly.js-dist loaded from
 * node_modules. Open once, render many, close.
 */
import fs from 'node:fs';
import { plotlyBundlePath } from './io';
import type { FigureSpec } from './types';
import { MoelabError } from '../errors';

/** Chromium flags: headless, no sandbox (root in CI), no GPU, no network chatter. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
] as const;

/** Raised when Chromium is absent or fails to start/render; the message says how to install it. */
export class RenderError extends MoelabError {
  override readonly name = 'RenderError';
}

export type ImageFormat = 'png' | 'svg';

export interface RendererOptions {
  /** Chromium binary; default `$MOELAB_CHROMIUM` or `/usr/bin/chromium`. */
  executablePath?: string;
  /** PNG pixel scale (device pixels per CSS pixel); default 2. */
  scale?: number;
}

/** Default Chromium path, or undefined when none is installed. */
export function findChromium(explicit?: string): string | undefined {
  for (const p of [explicit, process.env.MOELAB_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && fs.existsSync(p)) return p;
  }
  return undefined;
}

interface PageLike {
  evaluate(script: string): Promise<unknown>;
  addScriptTag(options: { path: string }): Promise<unknown>;
  setContent(html: string): Promise<void>;
}
interface BrowserLike {
  newPage(): Promise<PageLike>;
  close(): Promise<void>;
}

/** Browser-side render routine (a string: the project compiles without DOM types). */
const RENDER_FN = `async function (spec, format, scale) {
  const gd = document.createElement('div');
  document.body.appendChild(gd);
  try {
    await Plotly.newPlot(gd, spec.data, spec.layout, { staticPlot: true });
    return await Plotly.toImage(gd, { format, width: spec.layout.width, height: spec.layout.height, scale: format === 'png' ? scale : 1 });
  } finally {
    Plotly.purge(gd);
    gd.remove();
  }
}`;

export class FigureRenderer {
  private constructor(
    private readonly browser: BrowserLike,
    private readonly page: PageLike,
    private readonly scale: number,
  ) {}

  /** Launches Chromium and loads plotly.js once (2–4 s). */
  static async open(options: RendererOptions = {}): Promise<FigureRenderer> {
    const executablePath = findChromium(options.executablePath);
    if (!executablePath) {
      throw new RenderError(
        'Chromium not found at /usr/bin/chromium (or $MOELAB_CHROMIUM); install it with `bash scripts/setup-system.sh` ' +
          '(apt-get install -y --no-install-recommends chromium), or export only json/html with --format json,html',
      );
    }
    let browser: BrowserLike;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { chromium } = require('playwright-core') as typeof import('playwright-core');
      browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS] });
    } catch (err) {
      throw new RenderError(`could not start Chromium at ${executablePath}: ${(err as Error).message.split('\n')[0]}`);
    }
    try {
      const page = await browser.newPage();
      await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
      await page.addScriptTag({ path: plotlyBundlePath() });
      return new FigureRenderer(browser, page, options.scale ?? 2);
    } catch (err) {
      await browser.close().catch(() => undefined);
      throw new RenderError(`could not load plotly.js into Chromium: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** Renders one figure; PNG as bytes, SVG as UTF-8 text bytes. */
  async render(spec: FigureSpec, format: ImageFormat): Promise<Buffer> {
    const payload = JSON.stringify({ data: spec.data, layout: spec.layout });
    let url: string;
    try {
      url = (await this.page.evaluate(`(${RENDER_FN})(${payload}, ${JSON.stringify(format)}, ${this.scale})`)) as string;
    } catch (err) {
      throw new RenderError(`${spec.id}: Plotly failed to render ${format}: ${(err as Error).message.split('\n')[0]}`);
    }
    const comma = url.indexOf(',');
    const meta = url.slice(0, comma);
    const body = url.slice(comma + 1);
    return meta.includes(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
