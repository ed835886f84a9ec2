import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../../common/transforms.js';

export class RefreshDto {
  /** The refresh token from the last session response. Single-use. */
  @IsString()
  @Length(1, 512)
  refresh_token: string;
}

export class SignOutDto {
  /** Also revokes the session this refresh token belongs to (it must be yours). */
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 512)
  refresh_token?: string;
}
