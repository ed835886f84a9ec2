import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { IsOptionalNotNull } from '../../common/transforms.js';

/** The largest id a PostgreSQL `integer` holds. */
const MAX_ID = 2_147_483_647;

/** Where to move a list in your order: exactly one of the two fields. */
export class MoveListDto {
  /**
   * Put the list right after this one of your lists; null puts it first (after the inbox, which
   * always comes first). Send this or `before_id`.
   * @example 11
   */
  @ApiPropertyOptional({ type: 'integer', nullable: true })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  after_id?: number | null;

  /**
   * Put the list right before this one of your lists. Send this or `after_id`.
   * @example 13
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  before_id?: number;
}
