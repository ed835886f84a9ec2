import type { TaskFilterQueryDto } from './dto/task-filter-query.dto.js';
import { parseTimestamp } from './is-timestamp.decorator.js';
import type { Priority } from './task.entity.js';

/**
 * Which of a user's tasks a request is about. The one place that decides what the list's filters
 * mean, for the list, complete-all, bulk delete and the summary alike: `status=pending&category_id=3&q=milk`
 * selects the same tasks on all four.
 */
export interface TaskFilter {
  status?: 'all' | 'pending' | 'completed';
  completed?: boolean;
  priority?: Priority;
  /** Matched as a substring of the title or the description, case-insensitively. */
  search?: string;
  dueBefore?: Date;
  dueAfter?: Date;
  categoryId?: number;
  /** Only tasks without any category. */
  uncategorized?: boolean;
  listId?: number;
  /** A user id (`me` is resolved to the caller before it gets here). */
  assigneeId?: string;
  /** A parent task's id, or null for top-level tasks only. */
  parentId?: number | null;
}

export function toTaskFilter(query: TaskFilterQueryDto, callerId: string): TaskFilter {
  return {
    status: query.status,
    completed: query.completed,
    priority: query.priority,
    search: query.q || undefined,
    dueBefore: query.due_before ? parseTimestamp(query.due_before) : undefined,
    dueAfter: query.due_after ? parseTimestamp(query.due_after) : undefined,
    categoryId: query.category_id,
    uncategorized: query.uncategorized,
    listId: query.list_id,
    assigneeId: query.assignee_id === 'me' ? callerId : query.assignee_id,
    parentId: query.parent_id === undefined ? undefined : query.parent_id === 'none' ? null : Number(query.parent_id),
  };
}

/**
 * Whether the filter leaves out any task at all. `status=all`, `uncategorized=false` and an empty `q`
 * restrict nothing, so a bulk delete given only those would delete everything, and is refused.
 */
export function restrictsTasks(filter: TaskFilter): boolean {
  return (
    (filter.status !== undefined && filter.status !== 'all') ||
    filter.completed !== undefined ||
    filter.priority !== undefined ||
    filter.search !== undefined ||
    filter.dueBefore !== undefined ||
    filter.dueAfter !== undefined ||
    filter.categoryId !== undefined ||
    filter.uncategorized === true ||
    filter.listId !== undefined ||
    filter.assigneeId !== undefined ||
    filter.parentId !== undefined
  );
}

/**
 * The SQL condition for the tasks that match `filter`, over the table `tasks` (unaliased), with its
 * values appended to `params` (the caller first, as $1, when `params` is empty). It says nothing of
 * access: callers wrap it in list-access.ts's scope (readableTasks, taskAccessible). Labels are the
 * caller's own, so the category filters read the caller's links. `callerSql` writes the caller's
 * parameter as the statement refers to it (TasksRepository.page hides its value from the planner).
 */
export function taskFilterSql(
  callerId: string,
  filter: TaskFilter,
  params: unknown[],
  callerSql = (param: string) => param,
): string {
  const param = (value: unknown) => `$${params.push(value)}`;
  const caller = callerSql(param(callerId));
  const where = ['true'];
  if (filter.status === 'pending') where.push('NOT tasks.completed');
  if (filter.status === 'completed') where.push('tasks.completed');
  if (filter.completed !== undefined) where.push(`tasks.completed = ${param(filter.completed)}`);
  if (filter.priority) where.push(`tasks.priority = ${param(filter.priority)}`);
  if (filter.search) {
    const pattern = param(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(tasks.title ILIKE ${pattern} OR tasks.description ILIKE ${pattern})`);
  }
  if (filter.dueBefore) where.push(`tasks.due_date < ${param(filter.dueBefore)}`);
  if (filter.dueAfter) where.push(`tasks.due_date > ${param(filter.dueAfter)}`);
  // Read off task_categories' (user_id, category_id, task_id) index: the category's tasks, then those rows.
  if (filter.categoryId !== undefined) {
    where.push(
      `tasks.id IN (SELECT task_id FROM task_categories WHERE user_id = ${caller} AND category_id = ${param(filter.categoryId)})`,
    );
  }
  if (filter.uncategorized) {
    where.push(`NOT EXISTS (SELECT 1 FROM task_categories WHERE user_id = ${caller} AND task_id = tasks.id)`);
  }
  if (filter.listId !== undefined) where.push(`tasks.list_id = ${param(filter.listId)}`);
  if (filter.assigneeId !== undefined) where.push(`tasks.assignee_id = ${param(filter.assigneeId)}`);
  if (filter.parentId === null) where.push('tasks.parent_id IS NULL');
  else if (filter.parentId !== undefined) where.push(`tasks.parent_id = ${param(filter.parentId)}`);
  return where.length > 1 ? where.slice(1).join(' AND ') : 'true';
}
