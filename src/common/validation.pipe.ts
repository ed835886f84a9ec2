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
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailedException(flatten(errors)),
    });
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Primitives (path params typed `number`) are left to their own pipes: ValidationPipe would
    // coerce them with Number(), turning "1e3" into 1000 and "0x10" into 16.
    if (!metadata.metatype || !this.toValidate(metadata)) return value;
    if (metadata.type === 'body') {
      // No body at all is validated as an empty object, so required fields are reported by name.
      if (value === undefined || value === null) value = {};
      else if (typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationFailedException([{ field: 'body', message: 'must be a JSON object' }]);
      }
    }
    return super.transform(value, metadata);
  }
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      message:
        rule === 'whitelistValidation'
          ? 'is not an accepted field'
          : message.replace(new RegExp(`^${error.property} `), ''),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
