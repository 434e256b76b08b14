// The <date> of /user/<name>/activity/<date>: Pagure reads it with arrow's ISO 8601-like
// parser (arrow 1.2) and answers its message, word for word, when it cannot. Accepted: the
// date forms below (2016-01-02, 2016-1-2, 20160102, 2016-032, 2016-01, 2016, 2016-W05-3, with
// "/" or "." too), optionally followed by "T" or one space and a time with an optional offset.
// Only the calendar date written counts: a time or an offset never moves it to another day.
import { Invalid } from '../../errors/index.js';

const DATE_FORMATS = [
  'YYYY-MM-DD',
  'YYYY-M-DD',
  'YYYY-M-D',
  'YYYY/MM/DD',
  'YYYY/M/DD',
  'YYYY/M/D',
  'YYYY.MM.DD',
  'YYYY.M.DD',
  'YYYY.M.D',
  'YYYYMMDD',
  'YYYY-DDDD',
  'YYYYDDDD',
  'YYYY-MM',
  'YYYY/MM',
  'YYYY.MM',
  'YYYY',
  'W',
] as const;

const TOKEN = /YYYY|MM|M|DDDD|DD|D|HH|mm|ss|S|ZZ|Z|W/g;

const TOKEN_PATTERN: Record<string, string> = {
  YYYY: '(\\d{4})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  DDDD: '(\\d{3})',
  DD: '(\\d{2})',
  D: '(\\d{1,2})',
  HH: '(\\d{2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  S: '(\\d+)',
  ZZ: '((?:[+-]\\d{2}(?::\\d{2})?)|Z)',
  Z: '((?:[+-]\\d{2}(?:\\d{2})?)|Z)',
  W: '((\\d{4})-?W(\\d{2})-?(\\d)?)',
};

const TIME = /^(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?(?:([.,])(\d+))?$/;

/** What may sit right before or after a date inside a longer text, as arrow allows. */
const BEFORE = '(?<!\\S\\S)(?<![^,.;:?!"\'`\\[\\]{}()<>\\s])(?:\\b|^)';
const AFTER = '(?=[,.;:?!"\'`\\[\\]{}()<>]?(?!\\S))';

class DateProblem extends Error {}
class NoMatch extends Error {}

/** Python's repr() of a string, as arrow puts it in its messages. */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

interface Parts {
  year?: number;
  month?: number;
  day?: number;
  dayOfYear?: number;
  hour?: number;
  minute?: number;
  second?: number;
  microsecond?: number;
  week?: { year: number; week: number; day: number | undefined };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function parseWith(input: string, format: string): Parts {
  const tokens: string[] = [];
  let pattern = '';
  let last = 0;
  for (const m of format.matchAll(TOKEN)) {
    pattern += escapeRegex(format.slice(last, m.index)) + TOKEN_PATTERN[m[0]]!;
    tokens.push(m[0]);
    last = m.index + m[0].length;
  }
  pattern += escapeRegex(format.slice(last));
  const match = new RegExp(BEFORE + pattern + AFTER, 'i').exec(input);
  if (!match) throw new NoMatch();
  const parts: Parts = {};
  let group = 1;
  for (const token of tokens) {
    const value = match[group]!;
    group += token === 'W' ? 4 : 1;
    if (token === 'YYYY') parts.year = Number(value);
    else if (token === 'MM' || token === 'M') parts.month = Number(value);
    else if (token === 'DD' || token === 'D') parts.day = Number(value);
    else if (token === 'DDDD') parts.dayOfYear = Number(value);
    else if (token === 'HH') parts.hour = Number(value);
    else if (token === 'mm') parts.minute = Number(value);
    else if (token === 'ss') parts.second = Number(value);
    else if (token === 'S') parts.microsecond = microseconds(value);
    else if (token === 'W') {
      const [, year, week, day] = match.slice(group - 4, group);
      parts.week = { year: Number(year), week: Number(week), day: day === undefined ? undefined : Number(day) };
    }
  }
  return parts;
}

/** The six most significant digits of a fraction of a second, rounded half to even. */
function microseconds(digits: string): number {
  const padded = digits.padEnd(7, '0');
  const seventh = Number(padded[6]);
  const rounding = seventh === 5 ? Number(padded[5]) % 2 : seventh > 5 ? 1 : 0;
  return Number(padded.slice(0, 6)) + rounding;
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) => [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;

/** A UTC calendar date from a day count, for ISO weeks and days of the year. */
function fromUtc(ms: number): { year: number; month: number; day: number } {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** Python's datetime() checks, in its order and words; then the date as Pagure prints it. */
function build(parts: Parts): string {
  let { year, month, day } = parts;
  if (parts.week) {
    const { year: wYear, week, day: wDay = 1 } = parts.week;
    const text = `${wYear}-${week}-${wDay}`;
    // strptime's %G wants four digits, %V at most 53, %u 1 to 7 (week 0 is the week before week 1).
    if (wYear < 1000 || week > 53 || wDay < 1 || wDay > 7)
      throw new DateProblem(`time data ${pythonRepr(text)} does not match format '%G-%V-%u'`);
    // Monday of ISO week 1 is the Monday of the week holding January 4th.
    const jan4 = utcDay(wYear, 1, 4);
    const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
    ({ year, month, day } = fromUtc(monday + ((week - 1) * 7 + (wDay - 1)) * 86_400_000));
  }
  if (parts.dayOfYear !== undefined) {
    if (year === undefined) throw new DateProblem('Year component is required with the DDD and DDDD tokens.');
    if (month !== undefined) throw new DateProblem('Month component is not allowed with the DDD and DDDD tokens.');
    if (year < 1000 || parts.dayOfYear < 1 || parts.dayOfYear > 366)
      throw new DateProblem(`The provided day of year ${parts.dayOfYear} is invalid.`);
    ({ year, month, day } = fromUtc(utcDay(year, 1, 1) + (parts.dayOfYear - 1) * 86_400_000));
  }
  year ??= 1;
  month ??= 1;
  day ??= 1;
  let hour = parts.hour ?? 0;
  let nextDay = false;
  if (hour === 24) {
    if ((parts.minute ?? 0) !== 0) throw new DateProblem('Midnight at the end of day must not contain minutes');
    if ((parts.second ?? 0) !== 0) throw new DateProblem('Midnight at the end of day must not contain seconds');
    if ((parts.microsecond ?? 0) !== 0) throw new DateProblem('Midnight at the end of day must not contain microseconds');
    hour = 0;
    nextDay = true;
  }
  if (year < 1 || year > 9999) throw new DateProblem(`year ${year} is out of range`);
  if (month < 1 || month > 12) throw new DateProblem('month must be in 1..12');
  if (day < 1 || day > daysIn(year, month)) throw new DateProblem('day is out of range for month');
  if (hour > 23) throw new DateProblem('hour must be in 0..23');
  if ((parts.minute ?? 0) > 59) throw new DateProblem('minute must be in 0..59');
  if ((parts.second ?? 0) > 59) throw new DateProblem('second must be in 0..59');
  if (nextDay) ({ year, month, day } = fromUtc(utcDay(year, month, day) + 86_400_000));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function parseIso(input: string): string {
  const spaces = input.split(' ').length - 1;
  const hasSpace = spaces > 0;
  const hasT = input.includes('T');
  if ((hasSpace && spaces !== 1) || (hasT && spaces > 0)) {
    throw new DateProblem(
      `Expected an ISO 8601-like string, but was given ${pythonRepr(input)}. Try passing in a format string to resolve this.`,
    );
  }
  let formats: string[] = [...DATE_FORMATS];
  if (hasSpace || hasT) {
    const divider = hasSpace ? ' ' : 'T';
    const timeText = input.slice(input.indexOf(divider) + 1);
    const split = /[+\-Z]/i.exec(timeText);
    const clock = split ? timeText.slice(0, split.index) : timeText;
    const zone = split ? timeText.slice(split.index + 1) : undefined;
    const time = TIME.exec(clock);
    if (!time) {
      throw new DateProblem(
        'Invalid time component provided. Please specify a format or provide a valid time component in the basic or extended ISO 8601 time format.',
      );
    }
    const sep = clock.includes(':') ? ':' : '';
    const clockFormat =
      time[5] !== undefined
        ? `HH${sep}mm${sep}ss${time[4]}S`
        : time[3] !== undefined
          ? `HH${sep}mm${sep}ss`
          : time[2] !== undefined
            ? `HH${sep}mm`
            : 'HH';
    formats = formats.map((f) => `${f}${divider}${clockFormat}`);
    if (zone !== undefined) formats = formats.map((f) => `${f}${zone.includes(':') ? 'ZZ' : 'Z'}`);
  }
  for (const format of formats) {
    let parts: Parts;
    try {
      parts = parseWith(input, format);
    } catch (error) {
      if (error instanceof NoMatch) continue;
      throw error;
    }
    return build(parts);
  }
  throw new DateProblem(`Could not match input ${pythonRepr(input)} to any of the following formats: ${formats.join(', ')}.`);
}

/** The date as YYYY-MM-DD, or 400 ENOCODE with the parser's message. */
export function parseActivityDate(input: string): string {
  try {
    return parseIso(input);
  } catch (error) {
    if (error instanceof DateProblem) throw Invalid('ENOCODE', error.message);
    throw error;
  }
}
