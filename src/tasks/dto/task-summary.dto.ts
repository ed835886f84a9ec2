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
  low: number;
  medium: number;
  high: number;
}

export class CategoryCountsDto {
  category_id: number;
  /** The category's matching tasks. */
  total: number;
  /** Those of them not completed. */
  pending: number;
}

/** Counts over the matching tasks (all of them when no filter is given). */
export class TaskSummaryDto {
  total: number;
  pending: number;
  completed: number;
  /** Pending tasks whose due time has passed. */
  overdue: number;
  /** Pending tasks due on today's date in `tz`, including those due earlier today (also overdue). */
  due_today: number;
  /** Pending tasks by priority. */
  by_priority: PriorityCountsDto;
  /** Every one of your categories, by id, with its matching tasks. */
  by_category: CategoryCountsDto[];
}
