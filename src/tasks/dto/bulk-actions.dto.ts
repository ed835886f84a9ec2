import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

export class CompleteAllDto {
  /** The state every matching task gets. */
  @IsBoolean()
  completed: boolean;
}

export class CompleteAllResultDto {
  /** How many tasks changed; those already in that state are not counted (and keep their ETag). */
  @ApiProperty({ type: 'integer', minimum: 0 })
  updated: number;
}

export class DeleteMatchingResultDto {
  /** How many tasks were deleted. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  deleted: number;
}
