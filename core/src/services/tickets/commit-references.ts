// Pagure's magic words in commit messages: "Fixes #3", "closes: #3", "Merges #4",
// "resolved #5" (also with the full URL of an issue or pull request of this forge) close
// what they name once the commit lands on the default branch; "Relates to #6" comments.
// Keywords start a line or follow whitespace and ignore case, as in Pagure; unlike Pagure,
// every reference of a line counts, not only the last.

export interface TicketReference {
  kind: 'fixes' | 'relates';
  id: number;
  /** For a full URL: the project it names ("rpms/pkg", "fork/alice/pkg"); null for "#N", meaning this project. */
  project: string | null;
  /** What a URL said it is; a bare "#N" may be either. */
  type: 'issue' | 'pull-request' | null;
}

const FIXES = '(?:fix(?:e)?[sd]?|merge[sd]?|close[sd]?|resolve[sd]?)';
const RELATES = 'relate[sd]?';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every reference in `text`, in order, each (kind, project, id) once. */
export function commitReferences(text: string, baseUrl: string): TicketReference[] {
  const url = escape(baseUrl.replace(/\/+$/, ''));
  const patterns: Array<[TicketReference['kind'], RegExp]> = [
    ['fixes', new RegExp(`(?:^|\\s)${FIXES}:?\\s*#(\\d+)`, 'gim')],
    ['fixes', new RegExp(`(?:^|\\s)${FIXES}:?\\s*${url}/(\\S+?)/(issue|pull-request)/(\\d+)`, 'gim')],
    ['relates', new RegExp(`(?:^|\\s)${RELATES}:?\\s*(?:to)?\\s*#(\\d+)`, 'gim')],
    ['relates', new RegExp(`(?:^|\\s)${RELATES}:?\\s*(?:to)?\\s*${url}/(\\S+?)/(issue)/(\\d+)`, 'gim')],
  ];
  const found: Array<TicketReference & { at: number }> = [];
  for (const [kind, pattern] of patterns) {
    for (const match of text.matchAll(pattern)) {
      const ref: TicketReference & { at: number } =
        match.length === 2
          ? { kind, id: Number(match[1]), project: null, type: null, at: match.index }
          : { kind, id: Number(match[3]), project: match[1]!, type: match[2] as 'issue' | 'pull-request', at: match.index };
      if (Number.isSafeInteger(ref.id) && ref.id > 0) found.push(ref);
    }
  }
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  return found
    .filter((r) => {
      const key = `${r.kind}\0${r.project ?? ''}\0${r.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ at: _at, ...ref }) => ref);
}
