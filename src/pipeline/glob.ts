/**
 * Glob patterns as regular expressions, for asking "could this declared output match that input glob?" without
 * touching the disk (fast-glob only lists existing files). Supports `*`, `**`, `?`, `[...]` and `{a,b}`, the syntax
 * stage inputs use.
 */

/** The part of a pattern before its first glob character, cut at a `/` (a folder every match lies in). */
export function staticPrefix(pattern: string): string {
  const i = pattern.search(/[*?[{]/);
  if (i < 0) return pattern;
  return pattern.slice(0, pattern.lastIndexOf('/', i) + 1);
}

/** A RegExp matching the paths the glob matches (whole string; `*` and `?` never cross a `/`). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${pattern
          .slice(i + 1, end)
          .split(',')
          .map((alt) => alt.replace(/[.+^$()|\\]/g, '\\$&'))
          .join('|')})`;
        i = end;
      }
    } else re += /[.+^$()|\\\]]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether a declared output (an absolute file path, or a folder when `isDir`) may hold paths the glob matches:
 * a file output when the glob matches it; a folder when the glob reaches into it or spans it.
 */
export function outputMayMatch(pattern: string, output: string, isDir: boolean): boolean {
  if (!isDir) return globToRegExp(pattern).test(output);
  const prefix = staticPrefix(pattern);
  return prefix.startsWith(`${output}/`) || `${output}/`.startsWith(prefix);
}
