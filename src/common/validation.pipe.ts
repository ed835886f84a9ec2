import { type ArgumentMetadata, Injectable, type ValidationError, ValidationPipe } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { type FieldError, ValidationFailedException } from './problem.js';

/** Query strings longer than this are validated afresh each time, never remembered. */
const MEMO_MAX_KEY = 512;

/**
 * Validation for bodies, queries and path parameters: no type coercion (a number where a string
 * belongs is an error, not a string), unknown fields rejected, and every failure a 422 that names
 * each field.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  /**
   * Queries and empty bodies this pipe accepted lately, per DTO class, as it transformed them. The
   * same few recur on every request (a toggle's missing body, `limit=50`), and validating them
   * again cost class-validator and class-transformer 30 to 60 µs of a request. Their rules are pure
   * functions of the input (no clock, no database), so an input accepted once is accepted again.
   * Rejections are not remembered.
   */
  private readonly accepted = new WeakMap<object, LRUCache<string, object>>();

  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transformOptions: { enableImplicitConversion: false },
      // The value is read by flatten() to tell a missing field from a wrong one; it never reaches a client.
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => new ValidationFailedException(flatten(errors)),
    });
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Primitives (path params typed `number`) are left to their own pipes: ValidationPipe would
    // coerce them with Number(), turning "1e3" into 1000 and "0x10" into 16.
    if (!metadata.metatype || !this.toValidate(metadata)) return value;
    if (metadata.type === 'body') {
      // No body is validated as an empty object, so required fields are reported by name. JSON `null`
      // is a body and not an object: 422, like `[]` (null is only ever a documented field's value).
      if (value === undefined) value = {};
      else if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationFailedException([{ field: 'body', message: 'must be a JSON object' }]);
      }
    }
    // PostgreSQL refuses NUL in text: named here, or its error could not say which field it was.
    const withNul = Object.entries(typeof value === 'object' && value !== null ? value : {})
      .filter(([, field]) => typeof field === 'string' && field.includes('\u0000'))
      .map(([field]) => ({ field, message: 'must not contain the NUL character (PostgreSQL cannot store it)' }));
    if (withNul.length > 0) throw new ValidationFailedException(withNul);
    const key = memoKey(value, metadata);
    if (key === undefined) return super.transform(value, metadata);
    let memo = this.accepted.get(metadata.metatype);
    const known = memo?.get(key);
    if (known) return copyOf(known);
    const dto = (await super.transform(value, metadata)) as object;
    if (!memo) this.accepted.set(metadata.metatype, (memo = new LRUCache({ max: 200 })));
    memo.set(key, copyOf(dto));
    return dto;
  }
}

/** What a query or an empty body is remembered under; undefined: not remembered. */
function memoKey(value: unknown, { type }: ArgumentMetadata): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (type === 'body') return Object.keys(value).length === 0 ? '' : undefined;
  if (type !== 'query') return undefined;
  const key = JSON.stringify(value);
  return key.length <= MEMO_MAX_KEY ? key : undefined;
}

/** A DTO of its class with its own fields, arrays copied: a handler may change what it is given. */
function copyOf(dto: object): object {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(dto) as object) as object, dto) as Record<
    string,
    unknown
  >;
  for (const [field, value] of Object.entries(copy)) if (Array.isArray(value)) copy[field] = value.slice() as unknown[];
  return copy;
}

/**
 * One message per field, the one that helps: an unknown field is "not an accepted field", a missing
 * one "is required", a null one "must not be null", else the first rule written on the field. Every
 * broken rule at once contradicts itself (`limit=2.5`: "must not be greater than 100", "... less than 1").
 */
function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, message: firstMessage(error, error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function firstMessage(error: ValidationError, constraints: Record<string, string>): string {
  if ('whitelistValidation' in constraints) return 'is not an accepted field';
  if (error.value === undefined) return 'is required';
  if (error.value === null) return 'must not be null';
  // class-validator registers a field's decorators bottom-up, so the first one written (the type
  // check, by this codebase's habit) is the last constraint listed.
  const messages = Object.values(constraints);
  return messages[messages.length - 1].replace(new RegExp(`^${error.property} `), '');
}
