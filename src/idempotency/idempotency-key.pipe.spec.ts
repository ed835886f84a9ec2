import { IdempotencyKeyPipe } from './idempotency-key.pipe.js';
import { ValidationFailedException } from '../common/problem.js';

describe('IdempotencyKeyPipe', () => {
  const pipe = new IdempotencyKeyPipe();

  it('passes an absent header through as no key', () => {
    expect(pipe.transform(undefined)).toBeUndefined();
  });

  it.each([
    ['3f2c9a4e-1b7d-4c55-8f0e-6a1d2b3c4d5e', '3f2c9a4e-1b7d-4c55-8f0e-6a1d2b3c4d5e'],
    ['  key-1  ', 'key-1'],
    ['x'.repeat(255), 'x'.repeat(255)],
  ])('accepts %j', (header, expected) => {
    expect(pipe.transform(header)).toBe(expected);
  });

  it.each(['', '   ', 'x'.repeat(256), 'with space', 'caf\u00e9', 'tab\there'])(
    'refuses %j with a 422 naming the header',
    (header) => {
      expect.assertions(1);
      try {
        pipe.transform(header);
      } catch (error) {
        expect((error as ValidationFailedException).errors).toEqual([
          { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
        ]);
      }
    },
  );
});
