import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsTimestamp } from '../is-timestamp.decorator.js';
import { PRIORITIES, type Priority } from '../task.entity.js';

export const SORT_FIELDS = ['created_at', 'updated_at', 'due_date', 'priority', 'title'] as const;
export const SORTS = [...SORT_FIELDS, ...SORT_FIELDS.map((f) => `-${f}` as const)];
export type Sort = (typeof SORTS)[number];

/** Query strings are text: only exact spellings become numbers or booleans; the rest stays and fails. */
const ToInt = () =>
  Transform(({ value }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value));
const ToBool = () => Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

export class ListTasksQueryDto {
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

  /** A field, with a leading `-` for descending; ties are broken by `id` in the same direction. */
  @IsOptional()
  @IsIn(SORTS)
  sort?: Sort = '-created_at';

  /** Page size. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 50;

  /** How many matching tasks to skip. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  offset?: number = 0;
}
