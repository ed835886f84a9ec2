import { type ArgumentMetadata, Injectable, type ValidationError, ValidationPipe } from '@nestjs/common';
import { type FieldError, ValidationFailedException } from './problem.js';

/**
 * Validation for bodies, queries and path parameters: no type coercion (a number where a string
 * belongs is an error, not a string), unknown fields rejected, and every failure a 422 that names
 * each field.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
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
    return super.transform(value, metadata);
  }
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
