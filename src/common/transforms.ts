import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';

/** Trims strings and leaves other types alone, so a wrong type still fails its type check. */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Lower-cases and trims strings (emails). */
export const LowerTrim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

/**
 * May be left out, but not set to null: unlike @IsOptional(), a null still reaches the type check
 * and is rejected. For fields the database requires.
 */
export const IsOptionalNotNull = () => ValidateIf((_, value) => value !== undefined);
