/**
 * A write conditional on a row's version (the versions If-Match accepts, null when any will do): the
 * row written, or why nothing was: no such row, or a version If-Match does not accept. Every
 * resource's repository answers its conditional writes with this, and its service words the 404/412.
 */
export type ConditionalWrite<T> = { outcome: 'written'; row: T } | { outcome: 'not-found' | 'version-mismatch' };

/** Why a conditional write wrote nothing, given whether the row was there at all. */
export const notWritten = (found: boolean) => ({ outcome: found ? 'version-mismatch' : 'not-found' }) as const;
