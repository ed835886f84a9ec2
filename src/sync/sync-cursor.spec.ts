import { formatCursor, parseCursor } from './sync-cursor.js';

describe('sync cursor', () => {
  it('round-trips, writing the base only while it is ahead of the stamp', () => {
    expect(formatCursor({ seq: 42, base: 0 })).toBe('v1.42');
    expect(formatCursor({ seq: 42, base: 40 })).toBe('v1.42');
    expect(formatCursor({ seq: 7, base: 900 })).toBe('v1.7.900');
    expect(parseCursor('v1.7.900')).toEqual({ seq: 7, base: 900 });
    expect(parseCursor('v1.42')).toEqual({ seq: 42, base: 0 });
  });

  it.each(['', '42', 'v1.', 'v1.-1', 'v1.1e3', 'v2.42', 'v1.42.', 'v1.1234567890123456', ' v1.1'])(
    'refuses %j',
    (text) => {
      expect(parseCursor(text)).toBeUndefined();
    },
  );
});
