import fc from 'fast-check';
import pg from 'pg';
import { fastTimestamptz, parseTimestamptz } from './timestamps.js';

/** pg's own parser, which parseTimestamptz must agree with on every text. */
const general = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A timestamptz as PostgreSQL writes it in DateStyle ISO, from its parts. */
const pgText = fc
  .record({
    year: fc.integer({ min: 100, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
    offset: fc.constantFrom('+00', '-00', '+01', '-08', '+05:30', '-03:30', '+14', '-12', '+05:45'),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}` +
      `${t.fraction === undefined ? '' : `.${t.fraction}`}${t.offset}`,
  );

describe('parseTimestamptz', () => {
  it('reads any text PostgreSQL writes on its fast path, into the Date pg gives', () => {
    fc.assert(
      fc.property(pgText, (text) => {
        expect(fastTimestamptz(text)?.getTime()).toBe(general(text).getTime());
        expect(parseTimestamptz(text).getTime()).toBe(general(text).getTime());
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    '2026-12-07 19:05:31.123+00',
    '2026-12-07 19:05:31+00',
    '2026-12-07 19:05:31.1+00',
    '2026-12-07 19:05:31.123456+05:30',
    '1970-01-01 00:00:00+00',
    '2026-12-07 19:05:31.123+00 BC',
    '0050-03-01 10:00:00+00',
    '12026-12-07 19:05:31+00',
    '2026-12-07 19:05:31+05:30:15',
    '2026-12-07 19:05:31.+00',
    'infinity',
    '-infinity',
  ])('agrees with pg on %s', (text) => {
    const ours = parseTimestamptz(text);
    const theirs = general(text);
    expect(ours instanceof Date ? ours.getTime() : ours).toBe(theirs instanceof Date ? theirs.getTime() : theirs);
  });

  it('reads the milliseconds and the offset', () => {
    expect(parseTimestamptz('2026-12-07 19:05:31.12+01').toISOString()).toBe('2026-12-07T18:05:31.120Z');
  });
});
