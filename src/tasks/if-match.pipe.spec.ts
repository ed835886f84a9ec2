import { BadRequestException } from '@nestjs/common';
import { IfMatchPipe } from './if-match.pipe.js';

describe('IfMatchPipe (RFC 9110 If-Match)', () => {
  const pipe = new IfMatchPipe();

  it('passes an absent header through as no condition', () => {
    expect(pipe.transform(undefined)).toBeUndefined();
  });

  it.each([
    ['*', '*'],
    ['"7-3"', ['"7-3"']],
    ['"7-3", "8-1"', ['"7-3"', '"8-1"']],
    ['"7-3",,  "8-1" ,', ['"7-3"', '"8-1"']],
    ['W/"7-3"', []],
    ['W/"7-3", "7-4"', ['"7-4"']],
    ['""', ['""']],
    ['"a,b"', ['"a,b"']],
  ])('%s -> %j', (header, expected) => {
    expect(pipe.transform(header)).toEqual(expected);
  });

  it.each(['', ' , ', '7-3', '"7-3" "8-1"', '*, "7-3"', '"unterminated', 'w/"7-3"', '"sp ace"'])('refuses %j with 400', (header) => {
    expect(() => pipe.transform(header)).toThrow(BadRequestException);
  });
});
