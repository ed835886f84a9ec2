import { Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from '../common/problem.js';

/** Visible ASCII, as the IETF Idempotency-Key draft's examples (UUIDs, random tokens) use. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Validates an optional Idempotency-Key header; a malformed one is a 422 naming the header. */
@Injectable()
export class IdempotencyKeyPipe implements PipeTransform<string | undefined, string | undefined> {
  transform(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    const key = header.trim();
    if (!KEY.test(key)) {
      throw new ValidationFailedException(
        [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
        'The Idempotency-Key header is not valid',
      );
    }
    return key;
  }
}
