import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { LowerTrim } from '../../common/transforms.js';

export class SignInDto {
  /** @example "ada@example.com" */
  @LowerTrim()
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email: string;

  /** @example "correct horse battery staple" */
  @IsString()
  @Length(1, 128)
  password: string;
}
