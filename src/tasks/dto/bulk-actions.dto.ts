import { IsBoolean } from 'class-validator';

export class CompleteAllDto {
  /** The state every matching task gets. */
  @IsBoolean()
  completed: boolean;
}

export class CompleteAllResultDto {
  /** How many tasks changed; those already in that state are not counted (and keep their ETag). */
  updated: number;
}

export class DeleteMatchingResultDto {
  /** How many tasks were deleted. */
  deleted: number;
}
