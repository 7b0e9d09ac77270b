/** Renders a `TableSpec` to Markdown (report, notebooks) and to HTML (gallery). */
import { formatCount } from './theme';
import type { TableCell, TableColumn, TableSpec } from './types';

/** Formats one cell by its column's `format`; null/undefined print as an en dash. */
export function formatCell(value: TableCell | undefined, column: TableColumn): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (column.format) {
    case 'int':
      return Math.round(value).toLocaleString('en-US');
    case 'count':
      return formatCount(value);
    case 'exp':
      return value.toExponential(2);
    case 'sig4':
      return significant(value, 4);
    case 'text':
      return String(value);
    case 'sig3':
    default:
      return significant(value, 3);
  }
}

/** `digits` significant digits; exponent form (`2.78e+20`) from 1e6 up and below 1e-4, so wide magnitudes stay short. */
function significant(value: number, digits: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return Number(value.toPrecision(digits)).toExponential();
  return String(Number(value.toPrecision(digits)));
}

function header(column: TableColumn): string {
  return column.unit ? `${column.label} (${column.unit})` : column.label;
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** GitHub-flavoured Markdown table with the title as a bold line and the caption below. */
export function tableToMarkdown(table: TableSpec): string {
  const cols = table.columns;
  const lines = [
    `**${escapeMd(table.title)}**`,
    '',
    `| ${cols.map((c) => escapeMd(header(c))).join(' | ')} |`,
    `| ${cols.map((c) => ((c.align ?? (c.format === 'text' ? 'left' : 'right')) === 'left' ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${cols.map((c) => escapeMd(formatCell(row[c.key], c))).join(' | ')} |`),
    '',
    `*${escapeMd(table.caption)}*`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Standalone-embeddable HTML `<table>` with caption. */
export function tableToHtml(table: TableSpec): string {
  const cols = table.columns;
  const align = (c: TableColumn) => c.align ?? (c.format === 'text' ? 'left' : 'right');
  const head = cols.map((c) => `<th style="text-align:${align(c)}">${escapeHtml(header(c))}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${cols.map((c) => `<td style="text-align:${align(c)}">${escapeHtml(formatCell(row[c.key], c))}</td>`).join('')}</tr>`)
    .join('\n');
  return [
    `<table class="moelab-table" id="${escapeHtml(table.id)}">`,
    `<caption><b>${escapeHtml(table.title)}</b>. ${escapeHtml(table.caption)}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    '</table>',
  ].join('\n');
}
