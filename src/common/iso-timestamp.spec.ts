import fc from 'fast-check';
import { isoTimestamp } from './iso-timestamp.js';

/** Every millisecond a Date can hold: ±100,000,000 days around 1970. */
const ANY_TIME = 8.64e15;

describe('isoTimestamp', () => {
  it('writes what toISOString writes, for times in the fast path’s years (1000 to 9999)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(10_000, 0, 1) - 1 }), (ms) => {
        expect(isoTimestamp(new Date(ms))).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes what toISOString writes for any time a Date holds, fast path or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: -ANY_TIME, max: ANY_TIME }), (ms) => {
        expect(isoTimestamp(new Date(ms))).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['the first instant of the fast path', Date.UTC(1000, 0, 1)],
    ['the last instant of the fast path', Date.UTC(10_000, 0, 1) - 1],
    ['the epoch', 0],
    ['the millisecond before it', -1],
    ['a leap day', Date.UTC(2028, 1, 29, 23, 59, 59, 999)],
    ['the day after a century that is not a leap year', Date.UTC(2100, 2, 1)],
    ['a leap day of a 400th year', Date.UTC(2000, 1, 29, 12)],
    ['year 999, before the fast path', Date.UTC(999, 11, 31, 23, 59, 59, 999)],
    ['year 10000, after it', Date.UTC(10_000, 0, 1)],
  ])('%s', (_name, ms) => {
    expect(isoTimestamp(new Date(ms))).toBe(new Date(ms).toISOString());
  });

  it('throws as toISOString does for an invalid Date', () => {
    expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });
});
