import { BadRequestException } from '@nestjs/common';
import { etagOf, IfMatchPipe, matchingVersions, pageEtagOf, VERSION, type Versioned } from './etag.js';

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

  it.each(['', ' , ', '7-3', '"7-3" "8-1"', '*, "7-3"', '"unterminated', 'w/"7-3"', '"sp ace"'])(
    'refuses %j with 400',
    (header) => {
      expect(() => pipe.transform(header)).toThrow(BadRequestException);
    },
  );

  it('shows a tag in the format responses carry', () => {
    expect(() => pipe.transform('7-3')).toThrow(`like ${etagOf(versioned(7, 3))}`);
  });
});

describe('entity tags', () => {
  it('gives a resource the strong tag "<id>-<version>"', () => {
    expect(etagOf(versioned(7, 3))).toBe('"7-3"');
  });

  it('reads back, through If-Match, the version it wrote into a tag', () => {
    const pipe = new IfMatchPipe();
    const header = `${etagOf(versioned(7, 3))}, ${etagOf(versioned(7, 5))}`;
    expect(matchingVersions(7, pipe.transform(header))).toEqual([3, 5]);
  });

  it.each([
    ['no If-Match', undefined, null],
    ['*', '*' as const, null],
    ["another resource's tag", ['"8-3"'], []],
    ['another spelling of the id', ['"07-3"'], []],
    ['a version no integer column holds', ['"7-2147483648"'], []],
    ['something else in quotes', ['"abc"', '""'], []],
  ])('matches %s as %j', (_name, ifMatch, expected) => {
    expect(matchingVersions(7, ifMatch)).toEqual(expected);
  });

  it('keeps the version out of the JSON body', () => {
    expect(JSON.stringify(versioned(7, 3))).toBe('{"id":7}');
  });

  it('gives a page a weak tag that changes with any item, the total or the window', () => {
    const page = { items: [versioned(7, 3), versioned(8, 1)], total: 2, limit: 50, offset: 0 };
    const tag = pageEtagOf(page);
    expect(tag).toMatch(/^W\/"[\w-]+"$/);
    expect(pageEtagOf({ ...page })).toBe(tag);
    expect(pageEtagOf({ ...page, items: [versioned(7, 4), versioned(8, 1)] })).not.toBe(tag);
    expect(pageEtagOf({ ...page, items: [versioned(7, 3)] })).not.toBe(tag);
    expect(pageEtagOf({ ...page, total: 3 })).not.toBe(tag);
    expect(pageEtagOf({ ...page, offset: 1 })).not.toBe(tag);
  });
});

function versioned(id: number, version: number): Versioned {
  return { id, [VERSION]: version };
}
