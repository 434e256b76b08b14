// Reads a form out of a page as a browser would submit it untouched: every named input's
// value (checkboxes and radio buttons only when checked), each textarea's text, each
// select's selected option (else its first). Enough for the forge's own server-rendered forms.
import assert from 'node:assert/strict';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#')
      return String.fromCodePoint(entity[1]?.toLowerCase() === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of tag.matchAll(/\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?/g))
    found[match[1]!.toLowerCase()] = decode(match[2] ?? '');
  return found;
}

/** The fields the form posting to `action` sends as it is shown, a repeated name as a list. */
export function formFields(html: string, action: string): Record<string, string | string[]> {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].filter((m) => attributes(m[1]!).action === action);
  assert.equal(forms.length, 1, `one form posts to ${action}`);
  const body = forms[0]![2]!;
  const fields: Array<[string, string]> = [];
  for (const match of body.matchAll(/<(input|textarea|select)\b([^>]*)>(?:([\s\S]*?)<\/\1>)?/g)) {
    const [, element, rawAttributes = '', inner = ''] = match;
    const attrs = attributes(rawAttributes);
    if (!attrs.name || 'disabled' in attrs) continue;
    if (element === 'input') {
      const type = (attrs.type ?? 'text').toLowerCase();
      if (['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !('checked' in attrs)) continue;
      fields.push([attrs.name, attrs.value ?? (type === 'checkbox' ? 'on' : '')]);
    } else if (element === 'textarea') {
      fields.push([attrs.name, decode(inner)]);
    } else {
      const options = [...inner.matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/g)].map((o) => ({
        attrs: attributes(o[1]!),
        text: decode(o[2]!),
      }));
      const chosen = options.find((o) => 'selected' in o.attrs) ?? options[0];
      if (chosen) fields.push([attrs.name, chosen.attrs.value ?? chosen.text]);
    }
  }
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of fields) {
    const before = result[name];
    result[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return result;
}
