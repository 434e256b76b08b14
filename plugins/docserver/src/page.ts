// The HTML around rendered documents and folder listings: a plain, self-contained page (its
// style inline, as the policy allows), nothing loaded from the forge.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
pre,code{font-family:ui-monospace,monospace;background:#f5f5f5}pre{padding:.75rem;overflow:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem}
header{font-size:.875rem;color:#666;border-bottom:1px solid #eee;margin-bottom:1rem}a{color:#0b5fa5}`;

/** A whole page: `body` is HTML already made safe (rendered Markdown or reStructuredText, or a listing). */
export function page(title: string, project: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(project)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>Documentation of ${escapeHtml(project)}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface ListedEntry {
  name: string;
  type: 'blob' | 'tree' | 'commit';
  size: number | undefined;
}

/** A folder without an index: its entries, folders first, each a link. */
export function listing(project: string, folder: string, entries: readonly ListedEntry[]): string {
  const sorted = [...entries]
    .filter((e) => e.type !== 'commit')
    .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'tree' ? -1 : 1));
  const rows = sorted.map((e) => {
    const href = encodeURIComponent(e.name) + (e.type === 'tree' ? '/' : '');
    const size = e.type === 'blob' && e.size !== undefined ? `<td>${e.size} bytes</td>` : '<td></td>';
    return `<tr><td><a href="${href}">${escapeHtml(e.name)}${e.type === 'tree' ? '/' : ''}</a></td>${size}</tr>`;
  });
  const up = folder ? '<p><a href="../">../</a></p>\n' : '';
  const table = rows.length ? `<table>\n${rows.join('\n')}\n</table>` : '<p>This folder is empty.</p>';
  return page(`/${folder}`, project, `<h1>Index of /${escapeHtml(folder)}</h1>\n${up}${table}`);
}
