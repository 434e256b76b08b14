// Inline comments on a pull request's diff. A comment names a commit, a file and a line (as
// Pagure's do): anchored on the base commit (the parent of commit_start, what the diff starts
// from) it is on the old side, a removed line's number; otherwise on the new side. This module
// hangs each comment under its line, puts a "+" on every line that may be commented (with the
// hidden fields the form needs), and opens the form under one line for pages without scripts.
import type { DiffFile, DiffLine } from './code-view.js';

/** What the comment form under a line posts: the file, its line number and the side's commit. */
export interface LineTarget {
  filename: string;
  row: number;
  commit: string;
  /** Words for the form and the "+" link: "line 3 of a.txt" or "removed line 3 of a.txt". */
  label: string;
  /** The no-script link: the page again, with the form under this line. */
  href: string;
  /** The line's row id, posted back so that a refused comment reopens its form there. */
  rowId: string;
}

export interface InlineCommentRef {
  filename: string | null;
  line: number | null;
  commit: string | null;
}

type LineView<C> = DiffLine & { target?: LineTarget; comments?: C[]; formHere?: boolean };
type SplitView<C> = { left?: LineView<C> | undefined; right?: LineView<C> | undefined; comments?: C[]; formHere?: boolean };

export interface AnnotateOptions {
  /** The commit the diff starts from (old side); undefined when it has none. */
  base: string | undefined;
  /** The pull request's head (new side). */
  head: string | null;
  commentable: boolean;
  /** The row id (see rowId) the form is open under, from ?comment_on=. */
  openAt: string;
  /** The split view: the no-script link keeps it. */
  split: boolean;
}

/** The id of a diff line's row in the unified view, as the diff partial writes it. */
export function rowId(file: DiffFile, line: DiffLine): string {
  return `${file.anchor}-${line.newNo ? `R${line.newNo}` : `L${line.oldNo}`}`;
}

/** Where a comment sits: "new" side unless its commit is the base. */
export function sideOf(comment: InlineCommentRef, base: string | undefined): 'old' | 'new' {
  return base !== undefined && comment.commit === base ? 'old' : 'new';
}

/**
 * Hangs `comments` under their lines and marks commentable lines, in place; returns, per
 * comment, a link to its line (or its file) and words saying where it is, for the discussion.
 */
export function annotateDiff<C extends InlineCommentRef>(
  files: DiffFile[],
  comments: readonly C[],
  options: AnnotateOptions,
): Map<C, { href: string; text: string }> {
  const where = new Map<C, { href: string; text: string }>();
  const byKey = new Map<string, C[]>();
  for (const c of comments) {
    if (!c.filename || !c.line) continue;
    const key = `${sideOf(c, options.base)}:${c.filename}:${c.line}`;
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  const placed = new Set<C>();
  const view = options.split ? 'view=split&' : '';
  for (const file of files) {
    for (const hunk of file.hunks) {
      for (const line of hunk.lines as Array<LineView<C>>) {
        if (line.kind === 'note') continue;
        const id = rowId(file, line);
        const found: C[] = [];
        if (line.newNo) found.push(...(byKey.get(`new:${file.newPath}:${line.newNo}`) ?? []));
        if (line.oldNo && line.kind !== 'add') found.push(...(byKey.get(`old:${file.oldPath}:${line.oldNo}`) ?? []));
        if (found.length) line.comments = found;
        for (const c of found) {
          placed.add(c);
          where.set(c, {
            href: `#${id}`,
            text: `${sideOf(c, options.base) === 'old' ? 'removed line' : 'line'} ${c.line} of ${c.filename}`,
          });
        }
        const old = line.kind === 'del';
        const commit = old ? options.base : options.head;
        if (options.commentable && commit) {
          const filename = old ? file.oldPath : file.newPath;
          const row = (old ? line.oldNo : line.newNo)!;
          const label = `${old ? 'removed line' : 'line'} ${row} of ${filename}`;
          line.target = {
            filename,
            row,
            commit,
            label,
            rowId: id,
            href: `?${view}comment_on=${encodeURIComponent(id)}#inline-comment-form`,
          };
          if (id === options.openAt) line.formHere = true;
        }
      }
      for (const row of hunk.split as Array<SplitView<C>>) {
        const both = row.left === row.right ? [row.left] : [row.left, row.right];
        const found = both.flatMap((l) => l?.comments ?? []);
        if (found.length) row.comments = found;
        if (both.some((l) => l?.formHere)) row.formHere = true;
      }
    }
  }
  // A comment whose line is no longer in the diff still says where it was.
  for (const c of comments) {
    if (!c.filename || !c.line || placed.has(c)) continue;
    const file = files.find((f) => f.newPath === c.filename || f.oldPath === c.filename);
    where.set(c, {
      href: file ? `#${file.anchor}` : '#changes',
      text: `${sideOf(c, options.base) === 'old' ? 'removed line' : 'line'} ${c.line} of ${c.filename}`,
    });
  }
  return where;
}

/** The line the form is open under, if any: its target, for the page's notice. */
export function openTarget(files: DiffFile[]): LineTarget | undefined {
  for (const file of files)
    for (const hunk of file.hunks) for (const line of hunk.lines as Array<LineView<unknown>>) if (line.formHere) return line.target;
  return undefined;
}
