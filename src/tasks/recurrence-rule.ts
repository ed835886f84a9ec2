import rrule from 'rrule';

// rrule ships CommonJS without named-export hints, so Node's ESM loader sees only its default export.
const { RRule } = rrule;
type Rule = InstanceType<typeof RRule>;

/** What the contract supports, said the same way in every refusal. */
export const SUPPORTED_RECURRENCE =
  'supported: FREQ (DAILY, WEEKLY, MONTHLY or YEARLY), INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, and COUNT or UNTIL';

export const MAX_RULE_LENGTH = 255;
export const MAX_INTERVAL = 1000;
export const MAX_COUNT = 1000;

/**
 * How many periods (days of a DAILY rule, weeks of a WEEKLY one...) a search may step through from the
 * series' start: rrule stops only at an occurrence or at year 9999, and FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30
 * stepped through 2.9 million days, 12 s of CPU. Each bound costs at most 40-80 ms (a year's step costs
 * a year of days, hence fewer) and reaches 27 years of a daily rule, 190 of a weekly, 800 of a monthly.
 * A rule with no occurrence within them is refused; a series that finds none is over. Only COUNT
 * series age: the others restart from each date they reach.
 */
export const SEARCH_PERIODS: Record<string, number> = { DAILY: 10_000, WEEKLY: 10_000, MONTHLY: 10_000, YEARLY: 1_000 };

const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';
const list = (item: string) => new RegExp(`^${item}(?:,${item})*$`);
/** Each part's accepted values, before rrule reads them; rrule itself is lenient (it ignores junk). */
const PARTS: Record<string, RegExp> = {
  FREQ: /^(?:DAILY|WEEKLY|MONTHLY|YEARLY)$/,
  INTERVAL: /^[1-9]\d{0,3}$/,
  COUNT: /^[1-9]\d{0,3}$/,
  UNTIL: /^\d{8}(?:T\d{6}Z)?$/,
  BYDAY: list(`(?:[+-]?(?:[1-9]|[1-4]\\d|5[0-3]))?${WEEKDAY}`),
  BYMONTHDAY: list('[+-]?(?:[1-9]|[12]\\d|3[01])'),
  BYMONTH: list('(?:[1-9]|1[0-2])'),
};

/**
 * An RRULE value (RFC 5545, without the `RRULE:` prefix) restricted to the contract's subset, or
 * why it is refused: the message names what is supported. `start` is the series' first date (the
 * task's due date when the rule was set); a rule with no occurrence from there is refused too.
 */
export function recurrenceProblem(value: string, start: Date): string | null {
  if (value.length > MAX_RULE_LENGTH) return `must be at most ${MAX_RULE_LENGTH} characters`;
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const [name, text, ...rest] = part.split('=');
    const key = name.toUpperCase();
    if (rest.length || text === undefined || !(key in PARTS)) {
      return `has an unsupported part "${part.slice(0, 40)}"; ${SUPPORTED_RECURRENCE}`;
    }
    if (parts.has(key)) return `repeats ${key}`;
    if (!PARTS[key].test(text.toUpperCase())) return `has an invalid ${key} value; ${SUPPORTED_RECURRENCE}`;
    parts.set(key, text.toUpperCase());
  }
  const freq = parts.get('FREQ');
  if (!freq) return `needs a FREQ; ${SUPPORTED_RECURRENCE}`;
  if (Number(parts.get('INTERVAL') ?? 1) > MAX_INTERVAL) return `INTERVAL must be at most ${MAX_INTERVAL}`;
  if (Number(parts.get('COUNT') ?? 1) > MAX_COUNT) return `COUNT must be at most ${MAX_COUNT}`;
  if (parts.has('COUNT') && parts.has('UNTIL')) return 'may have COUNT or UNTIL, not both';
  if (/\d/.test(parts.get('BYDAY') ?? '') && (freq === 'DAILY' || freq === 'WEEKLY')) {
    return 'may number BYDAY (like 1MO or -1FR) only with FREQ=MONTHLY or YEARLY';
  }
  const until = parts.get('UNTIL');
  if (until && !isCalendarDate(until)) return 'has an UNTIL that is not a date';
  let rule: Rule;
  try {
    rule = parse(value, start);
  } catch {
    return `is not a valid rule; ${SUPPORTED_RECURRENCE}`;
  }
  if (!bounded(rule).after(start, true)) return 'never occurs from the task’s due_date';
  return null;
}

/**
 * The series' next date after `after` (null when it is over, by COUNT or UNTIL, or has none within
 * the search limit), for a rule that recurrenceProblem accepted.
 */
export function nextOccurrence(value: string, start: Date, after: Date): Date | null {
  return bounded(parse(value, start)).after(after, false);
}

function parse(value: string, start: Date): Rule {
  // The series keeps the start's time of day, to the millisecond, in UTC.
  return new RRule({ ...RRule.parseString(value.toUpperCase()), dtstart: start }, true);
}

/**
 * Caps the periods a search may step through. rrule offers no limit of its own (and is pinned to
 * 2.8.1 in package.json for this; recurrence-rule.spec.ts fails if the cap stops working), but its loop reads
 * `options.interval` twice a period (once to stop on 0, once to step) and ends when it reads 0:
 * after the budget the rule reads as interval 0, and the search ends as if the series had.
 */
function bounded(rule: Rule): Rule {
  const { interval, freq } = rule.options;
  const limit = 2 * SEARCH_PERIODS[RRule.FREQUENCIES[freq]] + 1;
  let reads = 0;
  Object.defineProperty(rule.options, 'interval', { get: () => (++reads > limit ? 0 : interval) });
  return rule;
}

/** YYYYMMDD as a real day (not 20260230). */
function isCalendarDate(value: string): boolean {
  const [y, m, d] = [value.slice(0, 4), value.slice(4, 6), value.slice(6, 8)].map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Whether the series counts its dates from its first (COUNT): then it must keep that start. */
export function isCounted(value: string): boolean {
  return /(?:^|;)COUNT=/i.test(value);
}
