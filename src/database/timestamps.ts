import pg from 'pg';

/** pg's own parser of timestamptz text (postgres-date), for what the fast path below does not take. */
const general = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;

/**
 * Parses PostgreSQL's text of a timestamptz into the same Date as pg's own parser, faster. pg parses
 * each one with three regular expressions and a Date built in steps; a sync page of 500 tasks holds
 * over a thousand, and that parsing was 6% of the route's CPU (bench:stages, profile of GET /api/sync).
 * The fast path takes the text PostgreSQL writes in its default DateStyle (ISO), `2026-12-07
 * 19:05:31.123+00`: a four-digit year from 0100, up to six fraction digits (milliseconds kept, as pg
 * keeps them) and a `+HH` or `+HH:MM` offset. Anything else (infinity, BC, years past 9999, an offset
 * with seconds) goes to pg's parser.
 */
export function parseTimestamptz(text: string): Date {
  return fastTimestamptz(text) ?? general(text);
}

/** The Date of `text` in the common form, or undefined for any other form (exported for its test). */
export function fastTimestamptz(text: string): Date | undefined {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== SPACE ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  // Date.UTC reads years 0 to 99 as 1900 to 1999.
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === DOT) {
    const start = ++at;
    while (at < length && isDigit(text.charCodeAt(at))) {
      if (at - start < 3) ms = ms * 10 + text.charCodeAt(at) - ZERO;
      at++;
    }
    const count = at - start;
    if (count === 0) return undefined;
    for (let place = count; place < 3; place++) ms *= 10;
  }
  const sign = text.charCodeAt(at);
  if (sign !== PLUS && sign !== DASH) return undefined;
  const offsetHours = digits(text, at + 1, 2);
  let offsetMinutes = 0;
  let end = at + 3;
  if (end < length && text.charCodeAt(end) === COLON) {
    offsetMinutes = digits(text, end + 1, 2);
    end += 3;
  }
  if (end !== length || offsetHours < 0 || offsetMinutes < 0) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - (sign === PLUS ? offset : -offset));
}

const ZERO = 48;
const DASH = 45;
const PLUS = 43;
const SPACE = 32;
const COLON = 58;
const DOT = 46;

const isDigit = (code: number) => code >= ZERO && code <= ZERO + 9;

/** The number written by `count` digits of `text` from `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - ZERO;
  }
  return value;
}

/** Every pg client of the process (TypeORM's pool, the listener) parses timestamptz with parseTimestamptz. */
export function useFastTimestamps(): void {
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestamptz);
}
