/**
 * One parser for every numeric command-line option of every `moelab` command, so that `7e9`, `7B` and `1.5M`
 * mean the same everywhere and `abc`, `0x10`, `1e400`, a negative count or a zero GPU count are refused before
 * anything runs, with a `UsageError` (exit 2) that names the flag, the value and the fix.
 *
 * Accepted: decimal numbers with an optional exponent (`7`, `0.25`, `7e9`, `1.5E+3`) and, where an option allows
 * it, one magnitude suffix: `k`/`K` = 1e3, `M` = 1e6, `B` = 1e9, `T` = 1e12 (counts of parameters, tokens and FLOPs).
 * Refused: hexadecimal/octal/binary literals, `Infinity`, `NaN`, empty strings, digit separators, anything that
 * overflows to ±Infinity, and values outside the option's range.
 */
import { UsageError as BaseUsageError } from '../errors';

/** A command line that cannot be run as written, naming its flag. Exit code 2, like every usage error. */
export class UsageError extends BaseUsageError {
  constructor(
    /** The flag at fault, e.g. `--params-dense`. */
    readonly flag: string,
    message: string,
  ) {
    super(message);
  }
}

/** The range and kind of a numeric option. */
export interface NumberSpec {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number;
  /** `min` itself is not allowed (e.g. `> 0`). */
  exclusiveMin?: boolean;
  /** Largest allowed value (inclusive unless `exclusiveMax`). */
  max?: number;
  exclusiveMax?: boolean;
  /** Only whole numbers (`1e3` is fine, `2.5` is not). */
  integer?: boolean;
  /** Allow the magnitude suffixes k/K, M, B, T (for parameter, token and FLOP counts). */
  suffixes?: boolean;
  /** An example value for the error message, e.g. `7e9` or `1000`. */
  example?: string;
}

/** Magnitude suffixes (SI-like, billions as `B` as model sizes are written: `7B`). */
export const SUFFIXES: Readonly<Record<string, number>> = { k: 1e3, K: 1e3, M: 1e6, B: 1e9, T: 1e12 };

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function describeRange(spec: NumberSpec): string {
  const parts: string[] = [];
  if (spec.integer) parts.push('a whole number');
  else parts.push('a number');
  if (spec.min !== undefined && spec.max !== undefined && !spec.exclusiveMin && !spec.exclusiveMax) parts.push(`from ${spec.min} to ${spec.max}`);
  else {
    const bounds: string[] = [];
    if (spec.min !== undefined) bounds.push(`${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`);
    if (spec.max !== undefined) bounds.push(`${spec.exclusiveMax ? '<' : '≤'} ${spec.max}`);
    if (bounds.length) parts.push(bounds.join(' and '));
  }
  return parts.join(' ');
}

function example(spec: NumberSpec): string {
  if (spec.example) return spec.example;
  if (spec.suffixes) return '7e9 or 7B';
  if (spec.integer) return String(Math.max(spec.min ?? 0, 1));
  return spec.min !== undefined && spec.min > 0 ? String(spec.min * 2) : '0.5';
}

/** Parses one numeric option value (see the module comment); throws `UsageError` naming `flag`. */
export function parseNumberOption(flag: string, raw: string, spec: NumberSpec = {}): number {
  const text = String(raw).trim();
  const fix = `write ${describeRange(spec)}, e.g. ${flag} ${example(spec)}`;
  let body = text;
  let scale = 1;
  const last = text.slice(-1);
  if (spec.suffixes && last in SUFFIXES && text.length > 1) {
    body = text.slice(0, -1);
    scale = SUFFIXES[last]!;
  }
  if (!DECIMAL.test(body)) {
    let why = 'is not a number';
    if (text === '') why = 'is empty';
    else if (/^[+-]?0[xXoObB]/.test(text)) why = 'is a hexadecimal/octal/binary literal, which moelab does not read';
    else if (/^[+-]?(inf|infinity|nan)$/i.test(text)) why = 'is not a finite number';
    else if (/[\d.]([_,])\d/.test(text)) why = 'has digit separators';
    else if (/^[+-]?[\d.]+(?:[eE][+-]?\d+)?[a-zA-Z]+$/.test(text)) {
      why = spec.suffixes ? `has an unknown suffix (known: ${Object.keys(SUFFIXES).join(', ')})` : 'has a suffix, which this option does not take';
    }
    throw new UsageError(flag, `${flag} ${JSON.stringify(raw)} ${why}; ${fix}`);
  }
  const value = Number(body) * scale;
  if (!Number.isFinite(value)) throw new UsageError(flag, `${flag} ${JSON.stringify(raw)} overflows to ${value}; ${fix}`);
  if (spec.integer && !Number.isInteger(value)) throw new UsageError(flag, `${flag} ${JSON.stringify(raw)} is not a whole number; ${fix}`);
  const low = spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min);
  const high = spec.max !== undefined && (spec.exclusiveMax ? value >= spec.max : value > spec.max);
  if (low || high) {
    const what = low && spec.min === 0 && spec.exclusiveMin ? (value === 0 ? 'is zero' : 'is negative') : low ? 'is too small' : 'is too large';
    throw new UsageError(flag, `${flag} ${JSON.stringify(raw)} ${what}; ${fix}`);
  }
  return value;
}

/** A commander argument parser for `flag` (use as `.option('--x <n>', 'desc', numberOption('--x', spec), default)`). */
export function numberOption(flag: string, spec: NumberSpec = {}): (raw: string) => number {
  return (raw: string) => parseNumberOption(flag, raw, spec);
}

/**
 * Parses a comma-separated list (`--flops 1e21,5.88e23`): every element must pass `spec`; a bad element is
 * refused by position, never dropped. Duplicates are kept in order (the caller decides whether they matter).
 */
export function parseNumberList(flag: string, raw: string, spec: NumberSpec = {}): number[] {
  const parts = String(raw).split(',');
  if (parts.every((p) => p.trim() === '')) throw new UsageError(flag, `${flag} is empty; write a comma-separated list, e.g. ${flag} ${example(spec)}`);
  return parts.map((p, i) => {
    try {
      return parseNumberOption(flag, p, spec);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      if (parts.length === 1) throw e;
      throw new UsageError(flag, `${flag} ${JSON.stringify(raw)}: element ${i + 1} ${e.message.slice(flag.length + 1)}`);
    }
  });
}

/** A commander parser for a comma-separated numeric list. */
export function numberListOption(flag: string, spec: NumberSpec = {}): (raw: string) => number[] {
  return (raw: string) => parseNumberList(flag, raw, spec);
}

/** Common specs, so the same kind of quantity is validated the same way by every command. */
export const SPECS = {
  /** Parameter, token and FLOP counts: > 0, suffixes allowed. */
  count: { min: 0, exclusiveMin: true, suffixes: true, example: '7e9 or 7B' },
  /** Whole counts ≥ 1 (GPUs, experts, jobs). */
  positiveInteger: { min: 1, integer: true },
  /** Whole counts ≥ 0 (bootstrap resamples; 0 = none). */
  nonNegativeInteger: { min: 0, integer: true, example: '1000' },
  /** Seeds: whole numbers 0 … 2^32 − 1. */
  seed: { min: 0, max: 2 ** 32 - 1, integer: true, example: '0' },
  /** Fractions strictly between 0 and 1. */
  openFraction: { min: 0, exclusiveMin: true, max: 1, exclusiveMax: true, example: '0.95' },
  /** A fraction in [0, 1). */
  fraction: { min: 0, max: 1, exclusiveMax: true, example: '0.2' },
  /** Positive real numbers. */
  positive: { min: 0, exclusiveMin: true },
} as const satisfies Record<string, NumberSpec>;
