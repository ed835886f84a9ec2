import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsTimestamp } from '../is-timestamp.decorator.js';
import { PRIORITIES, type Priority } from '../task.entity.js';

/** Query strings are text: only exact spellings become numbers or booleans; the rest stays and fails. */
export const ToInt = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value,
  );
export const ToBool = () =>
  Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));

/**
 * Which tasks a request is about: the list, complete-all, bulk delete and the summary all take these,
 * and task-filter.ts decides what they mean, once for all four.
 */
export class TaskFilterQueryDto {
  /** `pending` or `completed` tasks only; default `all`. */
  @IsOptional()
  @IsIn(['all', 'pending', 'completed'])
  status?: 'all' | 'pending' | 'completed' = 'all';

  /** Same as `status`, as a boolean. */
  @IsOptional()
  @ToBool()
  @IsBoolean()
  completed?: boolean;

  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: Priority;

  /** Case-insensitive text search in title and description. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  /** Only tasks due strictly before this time (a plain date means midnight UTC). */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  due_before?: string;

  /** Only tasks due strictly after this time (a plain date means midnight UTC). */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  due_after?: string;

  /** Only tasks carrying this category (an id that is not one of your categories matches nothing). */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  category_id?: number;

  /** `true`: only tasks without any category. */
  @IsOptional()
  @ToBool()
  @IsBoolean()
  uncategorized?: boolean;

  /** Only tasks of this list (a list you cannot read matches nothing). Without it: every list you can read. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  list_id?: number;

  /** Only tasks assigned to this user; `me` for yourself. */
  // No example on these filters: Swagger UI's "Try it out" fills examples in and would send them.
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 255)
  assignee_id?: string;

  /** Only the direct subtasks of this task, or `none` for top-level tasks only. */
  @ApiPropertyOptional({ pattern: '^(none|[1-9][0-9]{0,9})$' })
  @IsOptional()
  @IsString()
  @Matches(/^(none|[1-9][0-9]{0,9})$/, { message: 'parent_id must be a task id or none' })
  parent_id?: string;
}
