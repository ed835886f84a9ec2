import { IsOptional, IsString, IsUUID, Matches } from 'class-validator';
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

  /**
   * A push client's id (POST /api/sync/push): the page then gives that client's `last_mutation_id`.
   * @example "0b6f8c9e-2d1a-4c3b-9f7e-5a4d3c2b1a09"
   */
  @IsOptional()
  @IsUUID()
  client_id?: string;
}
