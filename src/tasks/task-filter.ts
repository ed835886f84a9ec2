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
}

export function toTaskFilter(query: TaskFilterQueryDto): TaskFilter {
  return {
    status: query.status,
    completed: query.completed,
    priority: query.priority,
    search: query.q || undefined,
    dueBefore: query.due_before ? parseTimestamp(query.due_before) : undefined,
    dueAfter: query.due_after ? parseTimestamp(query.due_after) : undefined,
    categoryId: query.category_id,
    uncategorized: query.uncategorized,
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
    filter.uncategorized === true
  );
}

/**
 * The SQL condition for the owner's tasks that match `filter`, over the table `tasks` (unaliased),
 * with its values appended to `params` (the owner first, when `params` is empty). Every condition
 * is led by the owner, so each query stays inside that user's index ranges.
 */
export function taskFilterSql(userId: string, filter: TaskFilter, params: unknown[]): string {
  const param = (value: unknown) => `$${params.push(value)}`;
  const owner = param(userId);
  const where = [`tasks.user_id = ${owner}`];
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
      `tasks.id IN (SELECT task_id FROM task_categories WHERE user_id = ${owner} AND category_id = ${param(filter.categoryId)})`,
    );
  }
  if (filter.uncategorized) {
    where.push(`NOT EXISTS (SELECT 1 FROM task_categories WHERE user_id = ${owner} AND task_id = tasks.id)`);
  }
  return where.join(' AND ');
}
