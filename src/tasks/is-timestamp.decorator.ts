import { registerDecorator, type ValidationOptions } from 'class-validator';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses what IsTimestamp accepts; a plain date is midnight UTC. */
export function parseTimestamp(value: string): Date {
  return new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value);
}

/**
 * An ISO 8601 timestamp with an explicit zone, or a plain date. A time without a zone is refused:
 * it would otherwise mean whatever zone the server happens to run in.
 */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimestamp',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be an ISO 8601 timestamp with a time zone, like 2026-12-01T17:00:00Z',
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !(DATE_ONLY.test(value) || DATE_TIME.test(value))) return false;
          const date = parseTimestamp(value);
          if (Number.isNaN(date.getTime())) return false;
          // Reject calendar overflow such as 2026-02-30, which Date would silently roll over.
          const [y, m, d] = value.slice(0, 10).split('-').map(Number);
          // setUTCFullYear, not Date.UTC: that maps the years 0-99 to 1900-1999.
          const check = new Date(0);
          check.setUTCFullYear(y, m - 1, d);
          return check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d;
        },
      },
    });
}
