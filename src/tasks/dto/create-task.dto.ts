import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsOptionalNotNull, Trim } from '../../common/transforms.js';
import { IsTimestamp } from '../is-timestamp.decorator.js';
import { MAX_RULE_LENGTH } from '../recurrence-rule.js';
import { MAX_CATEGORIES_PER_TASK, PRIORITIES, type Priority } from '../task.entity.js';

export class CreateTaskDto {
  /**
   * 1 to 255 characters after trimming, not all spaces; stored trimmed.
   * @example "Buy milk"
   */
  @ApiProperty({ pattern: '\\S' })
  @Trim()
  @IsString()
  @Length(1, 255)
  title: string;

  /** @example "Two litres, semi-skimmed" */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  /** Defaults to `medium`. */
  @IsOptionalNotNull()
  @IsIn(PRIORITIES)
  priority?: Priority;

  /**
   * ISO 8601 with a time zone (`2026-12-01T17:00:00.000Z`), a plain date (midnight UTC), or null.
   * @example "2026-12-01T17:00:00.000Z"
   */
  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  @IsOptional()
  @IsTimestamp()
  due_date?: string | null;

  /**
   * When to remind you (ISO 8601, as `due_date`), or null for no reminder. A new time clears
   * `reminded_at`, so it fires again.
   * @example "2026-12-01T16:30:00.000Z"
   */
  @ApiPropertyOptional({ format: 'date-time', nullable: true })
  @IsOptional()
  @IsTimestamp()
  remind_at?: string | null;

  /**
   * An RFC 5545 RRULE value without the `RRULE:` prefix, or null: FREQ (DAILY, WEEKLY, MONTHLY or
   * YEARLY), INTERVAL (up to 1000), BYDAY, BYMONTHDAY, BYMONTH, and COUNT (up to 1000) or UNTIL.
   * Needs a `due_date`: the series starts there, in UTC. Completing the task moves `due_date` to the
   * next date (and `remind_at` by as much) until the series is over. Returned as sent.
   * @example "FREQ=WEEKLY;BYDAY=MO,WE"
   */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_RULE_LENGTH)
  recurrence?: string | null;

  /** Defaults to false. */
  @IsOptionalNotNull()
  @IsBoolean()
  completed?: boolean;

  /**
   * Ids of your categories, at most 20; duplicates count once. An id that is not one of your
   * categories is 422. On an update the list replaces the task's categories as a whole.
   * @example [3, 7]
   */
  // The CLI plugin does not carry ArrayMaxSize or integer items into the document; this does.
  @ApiPropertyOptional({ type: 'integer', isArray: true, maxItems: MAX_CATEGORIES_PER_TASK })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_CATEGORIES_PER_TASK)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  category_ids?: number[];

  /**
   * The list to put the task in, one you may write (a list you cannot read is 422, one you only view
   * is 403). Default: your inbox, or the parent's list for a subtask. On an update, moves the task
   * and its subtasks to the end of that list (a subtask moved alone becomes a top-level task there).
   * @example 5
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  list_id?: number;

  /**
   * A task of the same list to nest this one under, or null for a top-level task. At most 4 levels;
   * a recurring task cannot have a parent.
   * @example 41
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  parent_id?: number | null;

  /**
   * Who the task is assigned to: the list's owner or one of its members, or null.
   * @example "5b0d5b8e-8c1e-4a6b-9a53-2f6f2d1c9e41"
   */
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  assignee_id?: string | null;
}
