import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from './problem.js';

/** A PostgreSQL `integer` (serial) key: anything larger could never name a row. */
const MAX_ID = 2_147_483_647;

/**
 * A resource id in the path is a positive 32-bit integer written in plain digits (`007`, `1e3`,
 * `0x10` are not other spellings of an id); anything else is a 422 naming the path parameter.
 */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata?: ArgumentMetadata): number {
    const id = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_ID)) {
      const field = metadata?.data ?? 'id';
      throw new ValidationFailedException(
        [{ field, message: 'must be a positive integer' }],
        `The ${field} in the path is not valid`,
      );
    }
    return id;
  }
}
