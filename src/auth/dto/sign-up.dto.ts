import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { IsOptionalNotNull, LowerTrim, Trim } from '../../common/transforms.js';

export class SignUpDto {
  /**
   * Stored lower-cased; must not belong to another account (case-insensitive).
   * @example "ada@example.com"
   */
  @LowerTrim()
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email: string;

  /** @example "correct horse battery staple" */
  @IsString()
  @Length(8, 128)
  password: string;

  /**
   * Display name; defaults to the part of the email before `@` when missing or blank.
   * @example "Ada Lovelace"
   */
  @IsOptionalNotNull()
  @Trim()
  @IsString()
  @MaxLength(100)
  name?: string;
}
