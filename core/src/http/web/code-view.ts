// Source code and diffs for pages: highlighted lines (each line its own HTML, so pages can
// number and anchor them), and unified diffs parsed into files, hunks and numbered lines.
import hljs from 'highlight.js/lib/common';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** highlight.js's language for a file name, if it knows one. */
export function languageOf(filename: string): string | undefined {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  if (base === 'Makefile' || base === 'GNUmakefile') return 'makefile';
  if (base === 'Dockerfile') return 'dockerfile';
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = base.slice(dot + 1).toLowerCase();
  return hljs.getLanguage(ext) ? ext : undefined;
}

/**
 * Splits highlighted HTML into lines, closing the spans still open at each line's end and
 * reopening them on the next, so every line is well-formed on its own.
 */
function splitHighlighted(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  for (const raw of html.split('\n')) {
    let line = open.join('');
    const tag = /<span[^>]*>|<\/span>/g;
    let last = 0;
    for (let m = tag.exec(raw); m; m = tag.exec(raw)) {
      line += raw.slice(last, m.index) + m[0];
      last = m.index + m[0].length;
      if (m[0] === '</span>') open.pop();
      else open.push(m[0]);
    }
    line += raw.slice(last) + '</span>'.repeat(open.length);
    lines.push(line);
  }
  return lines;
}

/** Files larger than this are shown without colours: highlighting is the slow part. */
const HIGHLIGHT_LIMIT = 256 * 1024;

/** The file's lines as safe HTML, highlighted when the language is known. */
export function highlightLines(text: string, filename: string): string[] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const language = languageOf(filename);
  if (language && body.length <= HIGHLIGHT_LIMIT) {
    return splitHighlighted(hljs.highlight(body, { language, ignoreIllegals: true }).value);
  }
  return body.split('\n').map(escapeHtml);
}

export interface DiffLine {
  kind: 'add' | 'del' | 'ctx' | 'note';
  oldNo?: number | undefined;
  newNo?: number | undefined;
  text: string;
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
  /** Side by side: deletions paired with the additions that replace them. */
  split: Array<{ left?: DiffLine | undefined; right?: DiffLine | undefined }>;
}

export interface DiffFile {
  oldPath: string;
  newPath: string;
  status: 'added' | 'deleted' | 'renamed' | 'modified';
  binary: boolean;
  additions: number;
  deletions: number;
  hunks: DiffHunk[];
  /** An anchor for links to this file. */
  anchor: string;
}

function unquote(path: string): string {
  if (!path.startsWith('"')) return path;
  try {
    return JSON.parse(
      path.replace(/\\([0-7]{3})/g, (_m, oct: string) => `\\u00${Number.parseInt(oct, 8).toString(16).padStart(2, '0')}`),
    ) as string;
  } catch {
    return path.slice(1, -1);
  }
}

function pairUp(lines: DiffLine[]): DiffHunk['split'] {
  const rows: DiffHunk['split'] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push({ left: dels[i], right: adds[i] });
    dels = [];
    adds = [];
  };
  for (const line of lines) {
    if (line.kind === 'del') dels.push(line);
    else if (line.kind === 'add') adds.push(line);
    else {
      flush();
      rows.push({ left: line, right: line });
    }
  }
  flush();
  return rows;
}

/** Parses `git diff` output (no colour, with a/ b/ prefixes). */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let hunk: DiffHunk | undefined;
  let oldNo = 0;
  let newNo = 0;
  const finishHunk = () => {
    if (hunk) hunk.split = pairUp(hunk.lines);
    hunk = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      finishHunk();
      const match = /^diff --git ("?a\/.*"?) ("?b\/.*"?)$/.exec(line);
      const oldPath = match ? unquote(match[1]!).slice(2) : '';
      const newPath = match ? unquote(match[2]!).slice(2) : '';
      file = {
        oldPath,
        newPath,
        status: 'modified',
        binary: false,
        additions: 0,
        deletions: 0,
        hunks: [],
        anchor: `file-${files.length + 1}`,
      };
      files.push(file);
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith('new file mode')) file.status = 'added';
      else if (line.startsWith('deleted file mode')) file.status = 'deleted';
      else if (line.startsWith('rename from ')) {
        file.status = 'renamed';
        file.oldPath = unquote(line.slice(12));
      } else if (line.startsWith('rename to ')) file.newPath = unquote(line.slice(10));
      else if (line.startsWith('Binary files ')) file.binary = true;
    }
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(line);
    if (header) {
      finishHunk();
      oldNo = Number(header[1]);
      newNo = Number(header[2]);
      hunk = { header: line, lines: [], split: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    const mark = line[0];
    const body = line.slice(1);
    if (mark === '+') {
      hunk.lines.push({ kind: 'add', newNo: newNo++, text: body });
      file.additions++;
    } else if (mark === '-') {
      hunk.lines.push({ kind: 'del', oldNo: oldNo++, text: body });
      file.deletions++;
    } else if (mark === ' ') hunk.lines.push({ kind: 'ctx', oldNo: oldNo++, newNo: newNo++, text: body });
    else if (mark === '\\') hunk.lines.push({ kind: 'note', text: line });
  }
  finishHunk();
  return files;
}
