// Branch patterns (collaborators' branches, block_non_fast_forward, reserved project names)
// with shell-style matching as Pagure's fnmatch does it: "*" matches any run of characters
// (slashes included), "?" one character, "[...]" one of a set ("[!...]" one not in it,
// "a-z" a range); anything else, backslashes included, stands for itself.
//
// Patterns come from users and are matched in the pre-receive callback, so the matcher
// never backtracks more than once per character: a two-pointer scan that remembers only the
// last "*", O(name × pattern) at worst, and no regular expression engine at all.
import { NAME_MAX, textLength, tooLongMessage } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';

/** The longest branch pattern a setting may hold, and how many one setting may list. */
export const BRANCH_PATTERN_LIMITS = { length: NAME_MAX, count: 100 } as const;

type Token =
  { kind: 'star' } | { kind: 'any' } | { kind: 'char'; code: number } | { kind: 'set'; negate: boolean; ranges: Array<[number, number]> };

const STAR: Token = { kind: 'star' };
const ANY: Token = { kind: 'any' };

function codes(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0)!);
}

/** The set opening at `open` ("["): its tokens and where it ends, or undefined when it never closes (a literal "["). */
function readSet(pattern: number[], open: number): { token: Token; end: number } | undefined {
  const EXCLAMATION = 0x21;
  const CLOSE = 0x5d;
  const DASH = 0x2d;
  let start = open + 1;
  const negate = pattern[start] === EXCLAMATION;
  if (negate) start++;
  // A "]" first in the set is one of its members.
  let end = pattern[start] === CLOSE ? start + 1 : start;
  while (end < pattern.length && pattern[end] !== CLOSE) end++;
  if (end >= pattern.length) return undefined;
  const ranges: Array<[number, number]> = [];
  for (let i = start; i < end; i++) {
    const low = pattern[i]!;
    if (pattern[i + 1] === DASH && i + 2 < end) {
      // A range backwards ("z-a") matches nothing, as in Python.
      ranges.push([low, pattern[i + 2]!]);
      i += 2;
    } else ranges.push([low, low]);
  }
  return { token: { kind: 'set', negate, ranges }, end };
}

function compile(pattern: string): Token[] {
  const chars = codes(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === 0x2a) {
      // "**" is "*".
      if (tokens.at(-1) !== STAR) tokens.push(STAR);
    } else if (c === 0x3f) tokens.push(ANY);
    else if (c === 0x5b) {
      const set = readSet(chars, i);
      if (set) {
        tokens.push(set.token);
        i = set.end;
      } else tokens.push({ kind: 'char', code: c });
    } else tokens.push({ kind: 'char', code: c });
  }
  return tokens;
}

function matchesOne(token: Token, code: number): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'char':
      return token.code === code;
    case 'set':
      return token.ranges.some(([low, high]) => low <= code && code <= high) !== token.negate;
    default:
      return false;
  }
}

// Compiling is cheap; the cache only spares repeated parses of the same few patterns.
const cache = new Map<string, Token[]>();

function tokensOf(pattern: string): Token[] {
  let tokens = cache.get(pattern);
  if (!tokens) {
    tokens = compile(pattern);
    if (cache.size >= 1000) cache.clear();
    cache.set(pattern, tokens);
  }
  return tokens;
}

/** Whether all of `name` matches the shell-style `pattern`. */
export function fnmatch(name: string, pattern: string): boolean {
  const tokens = tokensOf(pattern);
  const text = codes(name);
  let t = 0;
  let p = 0;
  // The last "*" seen, and where in the name it started matching.
  let star = -1;
  let starAt = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token === STAR) {
      star = p++;
      starAt = t;
    } else if (token && matchesOne(token, text[t]!)) {
      p++;
      t++;
    } else if (star >= 0) {
      // Let the last "*" take one more character and retry what follows it.
      p = star + 1;
      t = ++starAt;
    } else return false;
  }
  while (tokens[p] === STAR) p++;
  return p === tokens.length;
}

/** Whether `branch` matches any of `patterns`. */
export function matchesAny(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => fnmatch(branch, pattern));
}

/** 400 EINVALIDREQ on `field` when a list of branch patterns is too long or holds too long a pattern. */
export function checkBranchPatterns(field: string, patterns: readonly string[]): void {
  const { length, count } = BRANCH_PATTERN_LIMITS;
  const errors: string[] = [];
  if (patterns.length > count) errors.push(`At most ${count} branch patterns are allowed.`);
  if (patterns.some((p) => textLength(p) > length)) errors.push(tooLongMessage(length));
  if (errors.length) throw Invalid('EINVALIDREQ', { errors: { [field]: errors } });
}
