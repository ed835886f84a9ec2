import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/**
 * A parsed If-Match header (RFC 9110 section 13.1.1): `*` (any current version) or the entity tags
 * it lists that can match at all. If-Match compares strongly, so weak tags (`W/"..."`) never match
 * and are dropped; an empty list is still a condition, and it fails.
 */
export type IfMatch = '*' | string[];

/** One list element, possibly empty (RFC 9110 section 5.6.1.2), and its comma. */
const ELEMENT = /[ \t]*(?:(W\/)?("[\x21\x23-\x7e\x80-\xff]*")|(\*))?[ \t]*(?:,|$)/y;

/** Parses If-Match; a header that is not `*` or a list of quoted entity tags is a 400. */
@Injectable()
export class IfMatchPipe implements PipeTransform<string | undefined, IfMatch | undefined> {
  transform(header: string | undefined): IfMatch | undefined {
    if (header === undefined) return undefined;
    const tags: string[] = [];
    let star = false;
    let elements = 0;
    ELEMENT.lastIndex = 0;
    while (ELEMENT.lastIndex < header.length) {
      const match = ELEMENT.exec(header);
      if (!match) throw malformed();
      const [, weak, tag, any] = match;
      if (any) star = true;
      else if (tag && !weak) tags.push(tag);
      if (any || tag) elements++;
    }
    if (elements === 0 || (star && elements > 1)) throw malformed();
    return star ? '*' : tags;
  }
}

function malformed(): BadRequestException {
  return new BadRequestException('If-Match must be * or a list of entity tags as sent in ETag, like "7-3"');
}
