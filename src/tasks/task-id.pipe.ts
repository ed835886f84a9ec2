import { Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from '../common/problem.js';

const MAX_ID = 2_147_483_647;

/** A task id is a positive 32-bit integer written in plain digits; anything else is a 422. */
@Injectable()
export class TaskIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_ID)) throw new ValidationFailedException([{ field: 'id', message: 'must be a positive integer' }], 'The task id is not valid');
    return id;
  }
}
