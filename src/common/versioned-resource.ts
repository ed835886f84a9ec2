import { ForbiddenException, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { accepted, type ConditionalWrite, type Target } from '../database/conditional-write.js';
import { VERSION } from './etag.js';

/**
 * What a resource with an ETag answers when a conditional write (database/conditional-write.ts)
 * wrote nothing, worded once for every resource: 404 for no such row (or another user's), 412 for
 * a version If-Match does not accept.
 */
export class VersionedResource {
  constructor(
    /** Lower case, as in a sentence: "task". */
    private readonly name: string,
  ) {}

  notFound(): NotFoundException {
    return new NotFoundException(`${this.name.charAt(0).toUpperCase()}${this.name.slice(1)} not found`);
  }

  stale(): PreconditionFailedException {
    return new PreconditionFailedException(
      `The ${this.name} has changed since you read it (If-Match); fetch it again and retry`,
    );
  }

  /** A row the caller may read but not change (a viewer of a shared list). */
  forbidden(): ForbiddenException {
    return new ForbiddenException(
      `Changing this ${this.name} needs the editor or owner role in its list; viewers may only read it`,
    );
  }

  /** The row read, or the 404 when there was none. */
  found<T>(row: T | null): T {
    if (row === null) throw this.notFound();
    return row;
  }

  /** The written row, or the 404 or 412 that says why nothing was written. */
  orFail<T>(result: ConditionalWrite<T>): T {
    if (result.outcome === 'not-found') throw this.notFound();
    if (result.outcome === 'forbidden') throw this.forbidden();
    if (result.outcome !== 'written') throw this.stale();
    return result.row;
  }

  /**
   * A write that changes nothing (no field given) answers the resource as it is, and If-Match
   * still applies: 412 when it names another version.
   */
  unchanged<T extends { [VERSION]: number }>(current: T, target: Target): T {
    if (!accepted(target, { version: current[VERSION] })) throw this.stale();
    return current;
  }
}

/** Whether a write's changes name no field at all (each left out is undefined). */
export const changesNothing = (changes: object) => Object.values(changes).every((value) => value === undefined);
