/** Version tag of `normalizeText`, written to the manifest (change it when the rules change). */
export const NORMALIZATION = 'nfc-lf-strip/1';

/**
 * Normalises a document: Unicode NFC, CRLF/CR to LF, control characters other than tab and newline removed,
 * trailing spaces of lines removed, runs of 3+ newlines collapsed to 2, leading/trailing whitespace trimmed.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
