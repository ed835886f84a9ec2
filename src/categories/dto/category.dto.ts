import { ApiProperty } from '@nestjs/swagger';
import { VERSION, type Versioned } from '../../common/etag.js';
import type { CategoryRow } from '../categories.repository.js';
import { isoTimestamp } from '../../common/iso-timestamp.js';

export class CategoryDto {
  /** @example 3 */
  @ApiProperty({ type: 'integer', minimum: 1 })
  id: number;
  /** @example "Groceries" */
  name: string;
  /** @example "#22c55e" */
  color: string;
  /** How many of your tasks carry this category. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  task_count: number;
  /** How many of those are not completed. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  pending_count: number;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  created_at: string;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class CategoryListDto {
  /** All of your categories, by name (case-insensitive), then id. */
  items: CategoryDto[];
}

/**
 * A category as CategoriesService returns it: its version rides along for the ETag. The version
 * follows the category's own fields, not its counts (as /api/sync does: clients count from tasks).
 */
export type VersionedCategory = Versioned<CategoryDto>;

/** The API's view of a row of `categories` (CategoriesService and GET /api/sync both answer with it). */
export function toCategoryDto(row: CategoryRow): VersionedCategory {
  return {
    id: row.id,
    name: row.name,
    color: row.color,
    task_count: Number(row.task_count),
    pending_count: Number(row.pending_count),
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
    [VERSION]: row.version,
  };
}
