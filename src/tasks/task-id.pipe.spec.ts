import { ValidationFailedException } from '../common/problem.js';
import { TaskIdPipe } from './task-id.pipe.js';

describe('TaskIdPipe', () => {
  const pipe = new TaskIdPipe();

  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2147483647],
  ])('accepts %s', (value, expected) => {
    expect(pipe.transform(value)).toBe(expected);
  });

  it.each(['0', '-1', '007', '1.0', '1e3', '0x10', ' 1', 'abc', '', '2147483648', '99999999999'])('rejects %j with a 422 naming id', (value) => {
    expect(() => pipe.transform(value)).toThrow(ValidationFailedException);
  });
});
