import { ApiProperty } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsTimeZone } from '../is-time-zone.decorator.js';
import { TaskFilterQueryDto } from './task-filter-query.dto.js';

export class TaskSummaryQueryDto extends TaskFilterQueryDto {
  /**
   * The IANA time zone whose calendar day is "today" for `due_today`; default `UTC`.
   * @example "Europe/Paris"
   */
  @IsOptional()
  @IsTimeZone()
  tz?: string = 'UTC';
}

export class PriorityCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  low: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  medium: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  high: number;
}

export class CategoryCountsDto {
  @ApiProperty({ type: 'integer', minimum: 1 })
  category_id: number;
  /** The category's matching tasks. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  total: number;
  /** Those of them not completed. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  pending: number;
}

/** Counts over the matching tasks (all of them when no filter is given). */
export class TaskSummaryDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  total: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  pending: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  completed: number;
  /** Pending tasks whose due time has passed. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  overdue: number;
  /** Pending tasks due on today's date in `tz`, including those due earlier today (also overdue). */
  @ApiProperty({ type: 'integer', minimum: 0 })
  due_today: number;
  /** Pending tasks by priority. */
  by_priority: PriorityCountsDto;
  /** Every one of your categories, by id, with its matching tasks. */
  by_category: CategoryCountsDto[];
}
