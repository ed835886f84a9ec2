import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Target } from '../database/conditional-write.js';

/**
 * Entity tags, written and read only here so the two cannot drift: a resource's is strong,
 * `"<id>-<version>"` (its table bumps the version on every write); a page of a list gets a weak one,
 * since no If-Match can target a view.
 */

/**
 * Marks a resource with its version, which its ETag is made of, without putting the version in the
 * JSON body (JSON.stringify skips symbol keys). The service sets it; resource-headers.ts reads it.
 */
export const VERSION = Symbol('version');

export type Versioned<T extends { id: number } = { id: number }> = T & { [VERSION]: number };

/** A page of a list as list endpoints return it. */
export interface VersionedPage {
  items: Versioned[];
  total: number;
  limit: number;
  offset: number;
}

/** The largest version (and id) a PostgreSQL `integer` holds. */
const MAX_INT = 2_147_483_647;

/** The strong ETag of a resource at its current version. */
export function etagOf(resource: Versioned): string {
  return strongEtag(resource.id, resource[VERSION]);
}

function strongEtag(id: number, version: number): string {
  return `"${id}-${version}"`;
}

/** The inverse of strongEtag: a tag's id and version, both as written by it. */
const STRONG_ETAG = /^"(\d+)-([1-9]\d{0,9})"$/;

/**
 * A weak ETag for a page of a list: it changes whenever an item, the page's membership or the total
 * does, so a client can tell an unchanged list at a glance.
 */
export function pageEtagOf(page: VersionedPage): string {
  return `W/"${createHash('sha256')
    .update(JSON.stringify([page.total, page.limit, page.offset, page.items.map(etagOf)]))
    .digest('base64url')}"`;
}

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
  return new BadRequestException(
    `If-Match must be * or a list of entity tags as sent in ETag, like ${strongEtag(7, 3)}`,
  );
}

/**
 * The versions of resource `id` that If-Match accepts, from the strong tags it lists, compared as
 * exact strings as strong comparison requires (so `"07-3"` is no tag of resource 7); null when any
 * version will do. A conditional write applies only if the row's version is one of these.
 */
/** The row a conditional write is for, with the versions its If-Match accepts. */
export const ifMatchTarget = (id: number, ifMatch: IfMatch | undefined): Target => ({
  id,
  versions: matchingVersions(id, ifMatch),
});

export function matchingVersions(id: number, ifMatch: IfMatch | undefined): number[] | null {
  if (ifMatch === undefined || ifMatch === '*') return null;
  return ifMatch.flatMap((tag) => {
    const match = STRONG_ETAG.exec(tag);
    return match && match[1] === String(id) && Number(match[2]) <= MAX_INT ? [Number(match[2])] : [];
  });
}
