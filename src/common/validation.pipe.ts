import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationFailedException } from './problem';

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
    const isDto = metadata.metatype && this.toValidate(metadata);
    // A path parameter stays text: ValidationPipe would coerce it with Number(), turning "1e3" into
    // 1000 and "0x10" into 16 before the pipe that owns the parameter (TaskIdPipe) could refuse it.
    if (!isDto) return value;
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
      message: rule === 'whitelistValidation' ? 'is not an accepted field' : message.replace(new RegExp(`^${error.property} `), ''),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
