import { ApiProperty } from '@nestjs/swagger';
import { VERSION, type Versioned } from '../../common/etag.js';
import type { Priority } from '../task.entity.js';
import type { TaskRow } from '../tasks.repository.js';
import { isoTimestamp } from '../../common/iso-timestamp.js';

export class TaskDto {
  /** @example 42 */
  @ApiProperty({ type: 'integer', minimum: 1 })
  id: number;
  /** @example "5b0d5b8e-8c1e-4a6b-9a53-2f6f2d1c9e41" */
  user_id: string;
  /** @example "Buy milk" */
  title: string;
  description: string | null;
  completed: boolean;
  priority: Priority;
  /** @example "2026-12-01T17:00:00.000Z" */
  @ApiProperty({ format: 'date-time', nullable: true })
  due_date: string | null;
  /**
   * Read-only. The task's place in the manual order: sort by it as plain strings (byte by byte),
   * or list with `sort=position`. Opaque; change it with POST .../tasks/{id}/move.
   * @example "a0"
   */
  @ApiProperty({ readOnly: true })
  position: string;
  /** @example "2026-12-01T16:30:00.000Z" */
  @ApiProperty({ format: 'date-time', nullable: true })
  remind_at: string | null;
  /** Read-only: when the reminder for the current `remind_at` was sent; null while it is pending. */
  @ApiProperty({ readOnly: true, format: 'date-time', nullable: true })
  reminded_at: string | null;
  /** @example "FREQ=WEEKLY;BYDAY=MO,WE" */
  recurrence: string | null;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  created_at: string;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  updated_at: string;
  /** The list the task is in. */
  @ApiProperty({ type: 'integer', minimum: 1 })
  list_id: number;
  /** Who created the task (null once that account is gone). */
  created_by: string | null;
  /** Who the task is assigned to: the list's owner or a member, or null. */
  assignee_id: string | null;
  /** The task this one is a subtask of, in the same list; null for a top-level task. */
  @ApiProperty({ type: 'integer', minimum: 1, nullable: true })
  parent_id: number | null;
  /**
   * How many direct subtasks it has. Like a category's counts, not a change of the task: sync sends
   * the subtasks, not the parent again, so a client counts these from the tasks it holds.
   */
  @ApiProperty({ type: 'integer', minimum: 0, readOnly: true })
  subtask_count: number;
  /** How many of its direct subtasks are not completed. */
  @ApiProperty({ type: 'integer', minimum: 0, readOnly: true })
  pending_subtask_count: number;
  /**
   * Ids of your categories on the task, ascending: labels are personal, so each member of a shared
   * list sees only their own.
   * @example [3, 7]
   */
  @ApiProperty({ type: 'integer', isArray: true, minimum: 1 })
  category_ids: number[];
}

export class TaskPageDto {
  items: TaskDto[];
  /** How many tasks match the filters, over all pages. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  total: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100 })
  limit: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  offset: number;
}

/** A task as TasksService returns it: its version rides along for the ETag, outside the JSON body. */
export type VersionedTask = Versioned<TaskDto>;

/** The API's view of a row of `tasks` (TasksService and GET /api/sync both answer with it). */
export function toTaskDto(row: TaskRow): VersionedTask {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_date: row.due_date ? isoTimestamp(row.due_date) : null,
    position: row.position,
    remind_at: row.remind_at ? isoTimestamp(row.remind_at) : null,
    reminded_at: row.reminded_at ? isoTimestamp(row.reminded_at) : null,
    recurrence: row.recurrence,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
    list_id: row.list_id,
    created_by: row.created_by,
    assignee_id: row.assignee_id,
    parent_id: row.parent_id,
    subtask_count: Number(row.subtask_count),
    pending_subtask_count: Number(row.pending_subtask_count),
    category_ids: row.category_ids,
    [VERSION]: row.version,
  };
}
