/**
 * A small document model for the report: blocks rendered both to Markdown (REPORT.md) and to a standalone
 * HTML page (REPORT.html), so the two never disagree and no Markdown parser is needed.
 */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][]; caption?: string }
  | { kind: 'image'; src: string; alt: string; caption?: string }
  /** Pre-rendered content (e.g. a table exported by the figures stage), one form per output. */
  | { kind: 'raw'; markdown: string; html: string };

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Inline Markdown we emit ourselves: `code` and **bold** only. */
function inlineHtml(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

export function toMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`);
        break;
      case 'paragraph':
        out.push(b.text);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${i}`).join('\n'));
        break;
      case 'table': {
        const lines = [`| ${b.header.map(escapeCell).join(' | ')} |`, `|${b.header.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`)];
        if (b.caption) lines.unshift(`*${b.caption}*`, '');
        out.push(lines.join('\n'));
        break;
      }
      case 'image':
        out.push(`![${b.alt}](${b.src})${b.caption ? `\n\n*${b.caption}*` : ''}`);
        break;
      case 'raw':
        out.push(b.markdown.trim());
        break;
    }
  }
  return out.join('\n\n') + '\n';
}

export function toHtml(blocks: readonly Block[], title: string): string {
  const body = blocks
    .map((b) => {
      switch (b.kind) {
        case 'heading':
          return `<h${b.level}>${inlineHtml(b.text)}</h${b.level}>`;
        case 'paragraph':
          return `<p>${inlineHtml(b.text)}</p>`;
        case 'list':
          return `<ul>${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('')}</ul>`;
        case 'table':
          return `<table>${b.caption ? `<caption>${inlineHtml(b.caption)}</caption>` : ''}<thead><tr>${b.header.map((h) => `<th>${inlineHtml(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
            .map((r) => `<tr>${r.map((c) => `<td>${inlineHtml(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>`;
        case 'image':
          return `<figure><img src="${escapeHtml(b.src)}" alt="${escapeHtml(b.alt)}" loading="lazy">${b.caption ? `<figcaption>${inlineHtml(b.caption)}</figcaption>` : ''}</figure>`;
        case 'raw':
          return b.html;
      }
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}caption{caption-side:top;text-align:left;font-style:italic;padding:0.3em 0}
figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}figcaption{font-size:0.9em;color:#555}code{background:#f5f5f5;padding:0 0.2em}
</style></head><body>
${body}
</body></html>
`;
}
