import { IsOptional, IsString, Matches } from 'class-validator';
import { CURSOR_PATTERN } from '../sync-cursor.js';

export class SyncQueryDto {
  /**
   * The `cursor` of your last page (opaque); none for the full state.
   * @example "v1.42"
   */
  @IsOptional()
  @IsString()
  @Matches(CURSOR_PATTERN, { message: 'cursor must be a cursor returned by GET /api/sync' })
  cursor?: string;
}
