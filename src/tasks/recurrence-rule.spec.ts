import { isCounted, nextOccurrence, recurrenceProblem } from './recurrence-rule.js';

describe('recurrence rules', () => {
  const start = new Date('2026-12-01T09:00:00.000Z');

  it('accepts the contract’s subset, in any letter case', () => {
    for (const rule of [
      'FREQ=DAILY',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE',
      'FREQ=MONTHLY;BYMONTHDAY=1,15,-1',
      'FREQ=MONTHLY;BYDAY=-1FR',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
      'FREQ=DAILY;COUNT=10',
      'FREQ=DAILY;UNTIL=20270101T000000Z',
      'freq=daily;until=20270101',
    ]) {
      expect({ rule, problem: recurrenceProblem(rule, start) }).toEqual({ rule, problem: null });
    }
  });

  it('finds no date for a rule that never occurs, within the search bound instead of at year 9999', () => {
    expect(recurrenceProblem('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', start)).toMatch(/never occurs/);
    expect(recurrenceProblem('FREQ=MONTHLY;INTERVAL=12;BYMONTH=3', start)).toMatch(/never occurs/);
    const monday = new Date('2026-11-30T09:00:00.000Z');
    expect(nextOccurrence('FREQ=DAILY;INTERVAL=7;BYDAY=TU', monday, monday)).toBeNull();
  });

  it('stops searching after the bound: a date 39 years of daily steps away is not found', () => {
    // Unbounded, rrule finds 2112-02-29 (no Monday February 29 between 2073 and then).
    const from = new Date('2073-01-01T09:00:00.000Z');
    expect(nextOccurrence('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO', from, from)).toBeNull();
    expect(nextOccurrence('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO', from, from)).toEqual(
      new Date('2112-02-29T09:00:00.000Z'),
    );
  });

  it('keeps the start’s time of day, to the millisecond', () => {
    const at = new Date('2026-12-01T09:15:30.250Z');
    expect(nextOccurrence('FREQ=WEEKLY', at, at)).toEqual(new Date('2026-12-08T09:15:30.250Z'));
  });

  it('tells a counted series, which must keep its start', () => {
    expect(isCounted('FREQ=DAILY;COUNT=3')).toBe(true);
    expect(isCounted('count=3;FREQ=DAILY')).toBe(true);
    expect(isCounted('FREQ=DAILY;UNTIL=20270101')).toBe(false);
  });
});
