import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UserTransaction, UserWrite } from '../database/user-writes.js';
import { readableTasks, taskAccessible } from '../lists/list-access.js';
import { type TaskFilter, taskFilterSql } from './task-filter.js';

/** What the summary counts, as PostgreSQL returns it (counts are bigint, hence strings). */
export interface TaskSummaryRow {
  total: string;
  pending: string;
  completed: string;
  overdue: string;
  due_today: string;
  low: string;
  medium: string;
  high: string;
  by_category: { category_id: number; total: number; pending: number }[];
}

/**
 * The matching tasks' ids, locked in id order before the statement around it writes any of them
 * (an uncorrelated ARRAY() is evaluated once, before the first row is touched), as the lock order
 * wants (docs/reliability.md, "Lock order").
 */
const lockedFirst = (where: string) => `ARRAY(SELECT id FROM tasks WHERE ${where} ORDER BY id FOR UPDATE OF tasks)`;

/** The matching tasks the caller ($1) may write: bulk writes never touch a list they only view. */
const writable = (where: string) => `${taskAccessible('$1', 'write')} AND ${where}`;

/**
 * The SQL of statements over a set of the caller's tasks, chosen by the list's filters (task-filter.ts):
 * complete-all, bulk delete and the summary. Each is one statement, so one transaction.
 */
@Injectable()
export class TaskSetsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Locks the matching pending tasks in id order (see lockedFirst): complete-all's first statement
   * when it completes, before recurring tasks are advanced one by one.
   */
  async lockPending(write: UserTransaction, filter: TaskFilter): Promise<void> {
    const params: unknown[] = [];
    const where = taskFilterSql(write.userId, filter, params);
    await write.db.query(
      `SELECT id FROM tasks WHERE ${writable(where)} AND NOT completed ORDER BY id FOR UPDATE OF tasks`,
      params,
    );
  }

  /**
   * Sets `completed` on every matching task not already in that state, in one statement: only
   * those get a new version (ETag). Returns how many changed.
   */
  async completeMatching(
    write: UserWrite,
    filter: TaskFilter,
    completed: boolean,
    recurringToComplete: number[] = [],
  ): Promise<number> {
    const params: unknown[] = [];
    const where = taskFilterSql(write.userId, filter, params);
    const value = `$${params.push(completed)}`;
    // Completing leaves recurring tasks to their series (TaskRecurrenceService advances them),
    // except those whose series is over, listed in `recurringToComplete`.
    const recurring = completed
      ? ` AND (recurrence IS NULL OR id = ANY ($${params.push(recurringToComplete)}::int[]))`
      : '';
    const [{ ids }]: { ids: number[] }[] = await write.db.query(
      `WITH changed AS (UPDATE tasks SET completed = ${value}, updated_at = now(), version = version + 1
                         WHERE id = ANY (${lockedFirst(`${writable(where)} AND completed <> ${value}${recurring}`)})
                         RETURNING id)
       SELECT coalesce(array_agg(id), '{}') AS ids FROM changed`,
      params,
    );
    if (!completed || !ids.length) return ids.length;
    // Completing a task completes its open subtasks at every level, matching or not.
    const [{ closed }]: { closed: number }[] = await write.db.query(
      `WITH RECURSIVE subtree AS (SELECT sub.id FROM tasks AS sub WHERE sub.parent_id = ANY ($1::int[])
                   UNION SELECT sub.id FROM tasks AS sub JOIN subtree ON sub.parent_id = subtree.id),
       changed AS (UPDATE tasks SET completed = true, updated_at = now(), version = version + 1
                    WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE id IN (SELECT id FROM subtree) AND NOT completed
                                           ORDER BY id FOR UPDATE)) RETURNING 1)
       SELECT count(*)::int AS closed FROM changed`,
      [ids],
    );
    return ids.length + closed;
  }

  /** Deletes every matching task (and so its links) in one statement; returns how many. */
  async deleteMatching(write: UserWrite, filter: TaskFilter): Promise<number> {
    const params: unknown[] = [];
    const where = taskFilterSql(write.userId, filter, params);
    const [{ count }]: { count: string }[] = await write.db.query(
      `WITH gone AS (DELETE FROM tasks WHERE id = ANY (${lockedFirst(writable(where))}) RETURNING 1)
       SELECT count(*) FROM gone`,
      params,
    );
    return Number(count);
  }

  /**
   * The summary's counts in one statement. "Today" is the calendar day in `timeZone` (an IANA name,
   * validated before it gets here), as PostgreSQL's time zone database has it; a task is overdue
   * once its due time has passed. Every category of the caller is listed, also those with no match.
   */
  async summary(userId: string, filter: TaskFilter, timeZone: string): Promise<TaskSummaryRow> {
    const params: unknown[] = [];
    const where = taskFilterSql(userId, filter, params);
    const tz = `$${params.push(timeZone)}`;
    const [row]: TaskSummaryRow[] = await this.db.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE NOT completed) AS pending,
              count(*) FILTER (WHERE completed) AS completed,
              count(*) FILTER (WHERE NOT completed AND due_date < now()) AS overdue,
              count(*) FILTER (WHERE NOT completed
                                 AND (due_date AT TIME ZONE ${tz})::date = (now() AT TIME ZONE ${tz})::date) AS due_today,
              count(*) FILTER (WHERE NOT completed AND priority = 'low') AS low,
              count(*) FILTER (WHERE NOT completed AND priority = 'medium') AS medium,
              count(*) FILTER (WHERE NOT completed AND priority = 'high') AS high,
              (SELECT coalesce(json_agg(per ORDER BY per.category_id), '[]')
                 FROM (SELECT categories.id AS category_id, count(tasks.id) AS total,
                              count(tasks.id) FILTER (WHERE NOT tasks.completed) AS pending
                         FROM categories
                         LEFT JOIN task_categories
                           ON task_categories.user_id = categories.user_id AND task_categories.category_id = categories.id
                         LEFT JOIN ${readableTasks('$1', where)}
                           ON tasks.id = task_categories.task_id
                        WHERE categories.user_id = $1
                        GROUP BY categories.id) AS per) AS by_category
         FROM ${readableTasks('$1', where)}`,
      params,
    );
    return row;
  }
}
