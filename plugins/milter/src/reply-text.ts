// The comment text of an e-mail reply to a notification. Rules, in the order they apply:
// 1. Body: `mail.text`, unless it is absent, blank or only mailparser's own conversion of the HTML
//    part (an HTML-only mail parsed without `skipHtmlToText`): then `mail.html` is converted here,
//    unwrapped, links as "text (url)", "- " list items, images left out, <blockquote> as "> " lines
//    (quoted text, dropped by rules 5 and 6 when it is the trailing thread).
// 2. Line endings become "\n", trailing whitespace is trimmed. Lines of a closed ``` or ~~~ fence
//    (fence lines included) are content: never a quote, separator, attribution or signature.
// 3. Cut from the first of: the forge's "-- Reply above this line --" marker (also quoted),
//    "-----Original Message-----" (and its German, French, Spanish forms), Outlook's rule of 20+
//    underscores, an Outlook header block ("From:" with "Sent:" or "Date:" in the next 3 lines,
//    also in French, German, Spanish, Dutch, Italian), the signature separator "-- " (or "--").
// 4. Blank lines at the end are dropped.
// 5. The trailing quoted thread: the last run of ">" lines (any depth) and blank lines. A quote
//    followed by new text (an inline answer) is kept.
// 6. An attribution ("On … wrote:", "Le … a écrit :", "Am … schrieb …:", "El … escribió:",
//    "Op … schreef …:", alone or wrapped over two lines) is cut with all that follows, unless an
//    inline answer follows it (a quote, then new text).
// 7. Then, repeatedly from the end: blank lines, a "Sent from my iPhone"-like last line, a
//    horizontal rule. Blank lines at the start are dropped too.
import { compile } from 'html-to-text';

export interface ReplyText {
  text: string;
  /** why nothing is left, when text is empty */
  empty?: 'blank';
}

/** mailparser's own nesting limit for HTML. */
const MAX_DEPTH = 1000;
const htmlToText = compile({
  wordwrap: false,
  limits: { maxDepth: MAX_DEPTH },
  selectors: [
    { selector: 'a', options: { linkBrackets: ['(', ')'], hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'ul', options: { itemPrefix: '- ' } },
    { selector: 'hr', format: 'blockString', options: { string: '---' } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});
/** What simpleParser puts in `text` for an HTML-only mail: html-to-text with its defaults. */
const mailparserText = compile({ limits: { maxDepth: MAX_DEPTH } });

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}>/;
const MARKER = /^(> ?)*-{2,} ?reply above this line ?-{2,}$/i;
const ORIGINAL = /^-{3,} ?(original message|ursprüngliche nachricht|message d'origine|mensaje original) ?-{3,}$/i;
const OUTLOOK_RULE = /^_{20,}$/;
const HEADER_FROM = /^\*?(from|de|von|van|da):\*? /i;
const HEADER_SENT = /^\*?(sent|date|envoyé|gesendet|datum|enviado|verzonden|inviato):\*? /i;
const SIGNATURE = /^--$/; // "-- " once its trailing space is trimmed
const ATTRIBUTION = [
  /^On\s.+\swrote:$/,
  /^Le\s.+\sa\s+écrit\s?:$/,
  /^Am\s.+\sschrieb(\s.+)?:$/,
  /^El\s.+\sescribió:$/,
  /^Op\s.+\sschreef(\s.+)?:$/,
];
// "Sent from my iPhone": a device name, no sentence (no comma or colon).
const SENT_FROM =
  /^((sent from my|sent from (mail|outlook) for|get outlook for|envoyé de mon) [\p{L}\p{N} ._'-]{1,40}|von meinem [\p{L}\p{N} ._'-]{1,40} gesendet)$/iu;
const RULE = /^([-_*=])\1{2,}$/;

/** The new text of a reply: the plain part (or the HTML part converted to text when there is no plain part), with the quoted thread and the signature removed, Markdown kept. */
export function replyText(mail: { text?: string; html?: string | false }): string {
  const all = body(mail)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd());
  const allCode = fenced(all);
  const cut = all.findIndex((_, i) => !allCode[i] && separates(all, i));
  const lines = cut < 0 ? all : all.slice(0, cut);
  const code = allCode.slice(0, lines.length);
  const line = (i: number) => lines[i] ?? '';
  const quote = (i: number) => !code[i] && QUOTE.test(line(i));
  const blankEnd = (end: number) => {
    while (end > 0 && line(end - 1) === '') end--;
    return end;
  };

  let end = blankEnd(lines.length);
  let start = end;
  while (start > 0 && (quote(start - 1) || line(start - 1) === '')) start--;
  end = start;

  for (let i = 0; i < end; i++) {
    const span = attribution(lines, code, i);
    if (span > 0 && !answersInline(lines, code, i + span, end)) {
      end = i;
      break;
    }
  }

  for (;;) {
    end = blankEnd(end);
    if (end === 0 || code[end - 1] || !(SENT_FROM.test(line(end - 1)) || RULE.test(line(end - 1)))) break;
    end--;
  }
  start = 0;
  while (start < end && line(start) === '') start++;
  return lines.slice(start, end).join('\n');
}

function body(mail: { text?: string; html?: string | false }): string {
  const text = mail.text ?? '';
  const html = typeof mail.html === 'string' ? mail.html : '';
  if (html.trim() === '' || (text.trim() !== '' && !derivedFrom(text, html))) return text;
  try {
    return htmlToText(html);
  } catch {
    return text;
  }
}

/** Whether `text` is mailparser's conversion of `html`, not a plain part of its own. */
function derivedFrom(text: string, html: string): boolean {
  try {
    return mailparserText(html) === text;
  } catch {
    return false;
  }
}

/** Which lines belong to a closed code fence, its fence lines included. */
function fenced(lines: string[]): boolean[] {
  const code = lines.map(() => false);
  let open = -1;
  let fence = '';
  lines.forEach((line, i) => {
    const mark = FENCE.exec(line)?.[1];
    if (!mark) return;
    if (open < 0) {
      open = i;
      fence = mark;
    } else if (mark[0] === fence[0] && mark.length >= fence.length && line.trim() === mark) {
      code.fill(true, open, i + 1);
      open = -1;
    }
  });
  return code;
}

function separates(lines: string[], i: number): boolean {
  const line = lines[i] ?? '';
  if (MARKER.test(line) || ORIGINAL.test(line) || OUTLOOK_RULE.test(line) || SIGNATURE.test(line)) return true;
  return HEADER_FROM.test(line) && lines.slice(i + 1, i + 4).some((next) => HEADER_SENT.test(next));
}

/** How many lines (1 or 2) the attribution starting at line i spans, 0 when there is none. */
function attribution(lines: string[], code: boolean[], i: number): number {
  const usable = (j: number) => !code[j] && (lines[j] ?? '') !== '' && !QUOTE.test(lines[j] ?? '');
  const matches = (text: string) => text.length <= 300 && ATTRIBUTION.some((re) => re.test(text));
  if (!usable(i)) return 0;
  if (matches(lines[i] ?? '')) return 1;
  return usable(i + 1) && matches(`${lines[i]} ${lines[i + 1]}`) ? 2 : 0;
}

/** Whether lines [from, end) hold a quote followed by new text. */
function answersInline(lines: string[], code: boolean[], from: number, end: number): boolean {
  let quoted = false;
  for (let j = from; j < end; j++) {
    const line = lines[j] ?? '';
    if (!code[j] && QUOTE.test(line)) quoted = true;
    else if (line !== '' && quoted) return true;
  }
  return false;
}
