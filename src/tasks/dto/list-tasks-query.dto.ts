import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { TaskFilterQueryDto, ToInt } from './task-filter-query.dto.js';

export const SORT_FIELDS = ['created_at', 'updated_at', 'due_date', 'priority', 'title'] as const;
/** The manual order (`position`) is ascending only: "reverse manual order" is no order anyone keeps. */
export const SORTS = [...SORT_FIELDS, 'position' as const, ...SORT_FIELDS.map((f) => `-${f}` as const)];
export type Sort = (typeof SORTS)[number];

/** The list: the filters every task query shares, and a page of the result in some order. */
export class ListTasksQueryDto extends TaskFilterQueryDto {
  /**
   * A field, with a leading `-` for descending; ties are broken by `id` in the same direction.
   * `position` (the manual order) is ascending only.
   */
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
