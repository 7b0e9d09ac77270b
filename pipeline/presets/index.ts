/**
 * Preset loading: `loadPreset('tiny')` or `loadPreset('path/to/my.ts' | 'my.json')`, validated strictly.
 * Built-in presets live next to this file, one per file, default-exporting a `PresetInput`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PresetError } from '../../src/pipeline/errors';
import type { LoadedConfig } from '../../src/pipeline/types';
import { presetSchema, type Preset, type PresetInput } from './schema';

export { presetSchema, type Preset, type PresetInput } from './schema';

/** Built-in preset names: the training presets smallest first, then `clark` (a released table, no training), then the survey's extensions (`shared`, `peer`, `lifelong`). */
export const PRESET_NAMES = ['smoke', 'tiny', 'small', 'gpu', 'paper', 'clark', 'shared', 'peer', 'lifelong'] as const;
/** The preset `repro` uses without `--preset`. */
export const DEFAULT_PRESET = 'tiny';

function getAt(obj: unknown, p: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const k of p) cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[k as string] : undefined;
  return cur;
}

function dotted(p: readonly PropertyKey[]): string {
  return p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
}

/** Keys a strict object schema at `p` allows (for the "known keys" hint). */
function knownKeys(p: readonly PropertyKey[]): string[] {
  let s: unknown = presetSchema;
  for (const k of p) {
    const def = (s as { def?: { type?: string; innerType?: unknown; element?: unknown; options?: unknown[] } }).def;
    while ((s as { def?: { innerType?: unknown } })?.def?.innerType) s = (s as { def: { innerType: unknown } }).def.innerType;
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (shape && typeof k === 'string') s = shape[k];
    else if (typeof k === 'number' && (s as { def?: { element?: unknown } }).def?.element) s = (s as { def: { element: unknown } }).def.element;
    else return [];
    void def;
  }
  while ((s as { def?: { innerType?: unknown } })?.def?.innerType) s = (s as { def: { innerType: unknown } }).def.innerType;
  const shape = (s as { shape?: Record<string, unknown> })?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Validates a preset object; a PresetError naming `file` and every bad key otherwise. */
export function validatePreset(input: unknown, file: string): Preset {
  const r = presetSchema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((issue: z.core.$ZodIssue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      return issue.keys
        .map((k) => `unknown key '${dotted([...issue.path, k])}' (remove it or fix the spelling${known.length ? `; known keys here: ${known.join(', ')}` : ''})`)
        .join('; ');
    }
    const at = dotted(issue.path) || '(root)';
    const got = getAt(input, issue.path);
    return `${at}: ${issue.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
  });
  throw new PresetError(`invalid preset ${file}: ${problems.join('; ')}`);
}

function readPresetFile(file: string): unknown {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PresetError(`preset ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  let mod: { default?: unknown; preset?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as { default?: unknown; preset?: unknown };
  } catch (e) {
    // A preset module that throws (or fails to compile): its message and where in the file it was thrown.
    const err = e as Error;
    const at = String(err?.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .filter((l) => l.includes(file) || !l.includes('node:'))
      .slice(0, 3)
      .map((l) => l.trim())
      .join('; ');
    throw new PresetError(`preset ${file} threw while loading: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}${at ? ` (${at})` : ''}; fix the preset file`, { cause: e });
  }
  const value = mod.default ?? mod.preset;
  if (!value) throw new PresetError(`preset ${file} must \`export default\` a preset object`);
  return value;
}

/** Loads a preset by name (`tiny`) or path (`my.ts`, `my.json`; relative to cwd, then the repo root). */
export function loadPreset(ref: string, repoRoot: string = path.resolve(__dirname, '..', '..')): LoadedConfig<Preset> {
  let file: string;
  let outRef: string;
  if ((PRESET_NAMES as readonly string[]).includes(ref)) {
    file = path.join(__dirname, `${ref}.ts`);
    outRef = ref;
  } else if (/\.(ts|json)$/.test(ref)) {
    const candidates = [path.resolve(ref), path.resolve(repoRoot, ref)];
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new PresetError(`preset file ${candidates[0]} does not exist; pass an existing .ts/.json file or one of ${PRESET_NAMES.join(', ')}`);
    file = found;
    outRef = found;
  } else {
    throw new PresetError(`unknown preset '${ref}'; use one of ${PRESET_NAMES.join(', ')}, or a path to a .ts/.json preset file`);
  }
  const config = validatePreset(readPresetFile(file), file);
  return { config, name: config.name, file, ref: outRef };
}

/** Helper for preset files: typed identity. */
export function definePreset(p: PresetInput): PresetInput {
  return p;
}
