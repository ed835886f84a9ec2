import { ValidationFailedException } from './problem.js';
import { ResourceIdPipe } from './resource-id.pipe.js';

describe('ResourceIdPipe', () => {
  const pipe = new ResourceIdPipe();

  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2147483647],
  ])('accepts %s', (value, expected) => {
    expect(pipe.transform(value)).toBe(expected);
  });

  it.each(['0', '-1', '007', '1.0', '1e3', '0x10', ' 1', 'abc', '', '2147483648', '99999999999'])(
    'rejects %j with a 422 naming id',
    (value) => {
      expect(() => pipe.transform(value)).toThrow(ValidationFailedException);
    },
  );

  it('names the path parameter it was given', () => {
    expect.assertions(1);
    try {
      pipe.transform('abc', { type: 'param', data: 'categoryId' });
    } catch (error) {
      expect((error as ValidationFailedException).errors).toEqual([
        { field: 'categoryId', message: 'must be a positive integer' },
      ]);
    }
  });
});
