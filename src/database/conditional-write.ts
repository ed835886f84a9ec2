/**
 * What a write conditional on a row's version did: the row written, or why nothing was (no such row,
 * or a version If-Match does not accept). common/versioned-resource.ts words the 404 and 412.
 */
export type ConditionalWrite<T> =
  { outcome: 'written'; row: T } | { outcome: 'not-found' | 'version-mismatch' | 'forbidden' };

/**
 * Why a conditional write wrote nothing, given whether the row was there at all (for the caller) and
 * whether the caller may write it.
 */
export const notWritten = (found: boolean, allowed = true) =>
  ({ outcome: !found ? 'not-found' : !allowed ? 'forbidden' : 'version-mismatch' }) as const;

/** The row a conditional write is for, and the versions If-Match accepts (null: any). */
export interface Target {
  id: number;
  versions: number[] | null;
}

/** A write of row `id` whatever its version: for rules that checked the version under the row's lock. */
export const anyVersion = (id: number): Target => ({ id, versions: null });

/** Whether a row read under its lock may be written: it exists, and If-Match accepts its version. */
export function accepted<R extends { version: number }>(target: Target, row: R | null | undefined): row is R {
  return !!row && (target.versions === null || target.versions.includes(row.version));
}

/**
 * The parameters every conditional statement starts with: $1 the row's id, $2 its owner, $3 the
 * versions If-Match accepts (null: any). The owner's scope makes another user's row look exactly
 * like no row.
 */
export const VERSION_ACCEPTED = '($3::int[] IS NULL OR version = ANY ($3::int[]))';

export interface ConditionalUpdate {
  table: string;
  /** `column = $n` for each column to set; `updated_at` and `version` move on in any case. */
  sets: string[];
  /** The written row's columns to return. */
  returning: string;
  /** What the statement reads of the row as it was (`target`), besides whether it exists. */
  target?: string;
  /** A further condition the row must meet to be written. */
  unless?: string;
  /** What to select from the written row (`changed`), after `found`; `changed.*` by default. */
  select?: string;
  /** Joins after `changed`, for columns computed from other tables. */
  joins?: string;
  /**
   * Which rows the caller may see (`read`, the 404 when none) and change (`write`, the 403 when it
   * is seen but not writable), as conditions on the unaliased table with $2 the caller; by default
   * both are "the caller owns it".
   */
  scope?: RowScope;
  /** Further CTEs after `changed` (it may be read there), as `name AS (...)`; recursive ones allowed. */
  after?: string;
}

/** Conditions on a row for the caller ($2): seen at all, and writable. */
export interface RowScope {
  read: string;
  write: string;
}

const OWNED: RowScope = { read: 'user_id = $2', write: 'user_id = $2' };

/**
 * One UPDATE that both writes the row and tells "no such row" (404) from "changed since you read
 * it" (412): both parts see the same snapshot, so no write can slip in between the two answers.
 * It returns one row: `found`, then the written row's columns, all null when nothing was written
 * (read it with `conditionalResult`).
 */
export function conditionalUpdateSql(update: ConditionalUpdate): string {
  const {
    table,
    sets,
    returning,
    target = '1',
    unless,
    select = 'changed.*',
    joins = '',
    scope = OWNED,
    after,
  } = update;
  return `WITH${after ? ' RECURSIVE' : ''} target AS (SELECT ${target}, ${scope.write} AS allowed FROM ${table} WHERE id = $1 AND ${scope.read}),
        changed AS (UPDATE ${table} SET ${sets.map((set) => `${set}, `).join('')}updated_at = now(), version = version + 1
                     WHERE id = $1 AND ${scope.write} AND ${VERSION_ACCEPTED}${unless ? ` AND NOT (${unless})` : ''}
                     RETURNING ${returning})${
                       after
                         ? `,
        ${after}`
                         : ''
                     }
   SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM target WHERE allowed) AS allowed, ${select}
     FROM (VALUES (1)) AS one LEFT JOIN changed ON true ${joins}`;
}

/** The same for a DELETE: one row of `found` and `deleted`. */
export function conditionalDeleteSql(table: string, scope: RowScope = OWNED, returning = '1'): string {
  return `WITH target AS (SELECT ${scope.write} AS allowed FROM ${table} WHERE id = $1 AND ${scope.read}),
        gone AS (DELETE FROM ${table} WHERE id = $1 AND ${scope.write} AND ${VERSION_ACCEPTED} RETURNING ${returning})
   SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM target WHERE allowed) AS allowed,
          EXISTS (SELECT 1 FROM gone) AS deleted`;
}

/**
 * The SET pieces and parameters of a conditional update of the target row for `write`'s user: $1 to $3
 * as above, then one parameter per column named in `changes` (absent ones keep their value).
 * `implies` adds the pieces a column's new value brings with it (given its parameter).
 */
export function conditionalChanges<C extends object>(
  write: { userId: string },
  { id, versions }: Target,
  changes: C,
  columns: readonly (keyof C & string)[],
  implies?: (column: keyof C, value: string) => string | undefined,
): { sets: string[]; params: unknown[] } {
  const params: unknown[] = [id, write.userId, versions];
  const sets: string[] = [];
  for (const column of columns) {
    if (changes[column] === undefined) continue;
    const value = `$${params.push(changes[column])}`;
    sets.push(`${column} = ${value}`);
    const implied = implies?.(column, value);
    if (implied) sets.push(implied);
  }
  return { sets, params };
}

/** A conditional statement's row: the written row's columns, all null when nothing was written. */
export type ConditionalRow<T extends { id: number }> = { found: boolean; allowed: boolean } & (
  T | { [K in keyof T]: null }
);

/** What a conditional update's row says. */
export function conditionalResult<T extends { id: number }>(row: ConditionalRow<T>): ConditionalWrite<T> {
  return row.id === null ? notWritten(row.found, row.allowed) : { outcome: 'written', row: row };
}

/** What a conditional delete's row says. */
export function conditionalDeleted(row: {
  found: boolean;
  allowed: boolean;
  deleted: boolean;
}): ConditionalWrite<true> {
  return row.deleted ? { outcome: 'written', row: true } : notWritten(row.found, row.allowed);
}
