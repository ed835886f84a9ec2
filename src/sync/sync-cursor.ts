/**
 * The change cursor as clients see it: an opaque string. `v1.<seq>` says "every change up to stamp
 * <seq> is applied". A walk that starts without a cursor also carries `.<base>`: the user's stamp
 * when the walk began. Deletions stamped at or before it removed rows that no page of the walk could
 * have returned, so their tombstones may be purged without making the walk's cursors stale (410);
 * without it, a first full sync of a long-lived account would hit 410 on its second page. The base
 * is dropped once the cursor passes it.
 */
export interface SyncCursor {
  seq: number;
  base: number;
}

const FORMAT = /^v1\.(\d{1,15})(?:\.(\d{1,15}))?$/;

/** Matches what parseCursor accepts (for the query DTO's validation). */
export const CURSOR_PATTERN = FORMAT;

export function formatCursor({ seq, base }: SyncCursor): string {
  return base > seq ? `v1.${seq}.${base}` : `v1.${seq}`;
}

/** The cursor, or undefined when it is not one this service wrote. */
export function parseCursor(text: string): SyncCursor | undefined {
  const match = FORMAT.exec(text);
  if (!match) return undefined;
  return { seq: Number(match[1]), base: match[2] === undefined ? 0 : Number(match[2]) };
}
