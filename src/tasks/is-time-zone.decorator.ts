import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * An IANA zone name: letters first, then the characters tz database names use. That leaves out
 * what PostgreSQL would also take but reads differently from everyone else, such as POSIX
 * offsets (`UTC+3` is three hours *west* of Greenwich to PostgreSQL) and `+05:00`.
 */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/** The one check of a time zone: a name the ICU time zone database in Node knows. */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 64 || !ZONE_NAME.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, like `Europe/Paris` or `UTC`. */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an IANA time zone name, like Europe/Paris or UTC', ...options },
      validator: { validate: isTimeZone },
    });
}
