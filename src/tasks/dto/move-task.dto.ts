import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { IsOptionalNotNull } from '../../common/transforms.js';

/** The largest id a PostgreSQL `integer` holds. */
const MAX_ID = 2_147_483_647;

/** Where to move a task: exactly one of the two fields. */
export class MoveTaskDto {
  /**
   * Put the task right after this one of your tasks; null puts it at the top. Send this or `before_id`.
   * @example 41
   */
  @ApiPropertyOptional({ type: 'integer', nullable: true })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  after_id?: number | null;

  /**
   * Put the task right before this one of your tasks. Send this or `after_id`.
   * @example 43
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  before_id?: number;
}
