// Branch patterns of collaborators, with shell-style matching as Pagure does it:
// "*" matches any run of characters (slashes included), "?" one character, "[...]" a set.

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end);
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      source += `[${set.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export function fnmatch(name: string, pattern: string): boolean {
  let regexp = cache.get(pattern);
  if (!regexp) {
    regexp = compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, regexp);
  }
  return regexp.test(name);
}

/** Whether `branch` matches any of `patterns`. */
export function matchesAny(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => fnmatch(branch, pattern));
}
