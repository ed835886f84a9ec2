import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type ConditionalRow,
  conditionalChanges,
  type ConditionalWrite,
  conditionalDeleted,
  conditionalDeleteSql,
  conditionalResult,
  conditionalUpdateSql,
  notWritten,
  type Target,
} from '../database/conditional-write.js';
import { pageBounds, Statement } from '../database/statement.js';
import type { UserTransaction, UserWrite } from '../database/user-writes.js';
import { type TaskFilter, taskFilterSql } from './task-filter.js';
import type { Priority } from './task.entity.js';

/** A row of `tasks`, as PostgreSQL returns it. */
export interface TaskRow {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: Priority;
  due_date: Date | null;
  position: string;
  remind_at: Date | null;
  reminded_at: Date | null;
  recurrence: string | null;
  recurrence_start: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
  /** The ids of the task's categories, ascending. */
  category_ids: number[];
}

/** A row with the change cursor value it was last stamped with. */
export type StampedTaskRow = TaskRow & { change_seq: number };

export type NewTask = Pick<
  TaskRow,
  | 'title'
  | 'description'
  | 'priority'
  | 'due_date'
  | 'completed'
  | 'position'
  | 'remind_at'
  | 'recurrence'
  | 'recurrence_start'
>;

/** The columns a write may set; absent ones keep their value. */
export type TaskChanges = Partial<NewTask>;

export type TaskSortField = 'created_at' | 'updated_at' | 'due_date' | 'priority' | 'title' | 'position';

export interface TaskPageQuery extends TaskFilter {
  sort: TaskSortField;
  descending: boolean;
  limit: number;
  offset: number;
}

export interface TaskPage {
  rows: TaskRow[];
  /** How many tasks match, over all pages. */
  total: number;
}

/** What each sort orders by; titles case-insensitively, matching the migration's indexes. */
const SORT_KEYS: Record<TaskSortField, string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  due_date: 'due_date',
  priority: 'priority',
  title: 'lower(title)',
  position: 'position',
};

/**
 * A task's category ids, read with the task in the same statement (one index range per row of a
 * page, on task_categories' primary key): no query per task. Usable in RETURNING as well.
 */
const CATEGORY_IDS = `ARRAY(SELECT category_id FROM task_categories
  WHERE user_id = tasks.user_id AND task_id = tasks.id ORDER BY category_id) AS category_ids`;

const COLUMNS = `id, user_id, title, description, completed, priority, due_date, position, remind_at, reminded_at,
  recurrence, recurrence_start, created_at, updated_at, version, ${CATEGORY_IDS}`;

/** The columns TaskChanges may name, in the order they are set. */
const WRITABLE = [
  'title',
  'description',
  'priority',
  'due_date',
  'completed',
  'position',
  'remind_at',
  'recurrence',
  'recurrence_start',
] as const satisfies readonly (keyof TaskChanges)[];

// The hot routes' statements, prepared once per connection (database/statement.ts).
// Sync pages order by `tasks.change_seq`, not the float8 output of that name, which sorted every later
// change instead of reading the index (8.5 against 1.3 ms at 10,000 tasks).
const CHANGED_SINCE = new Statement(
  `SELECT ${COLUMNS}, change_seq::float8 AS change_seq FROM tasks
    WHERE user_id = $1 AND change_seq > $2 ORDER BY tasks.change_seq ${pageBounds('$3')}`,
);
const FIND = new Statement(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`);
const INSERT = new Statement(
  `INSERT INTO tasks (user_id, title, description, priority, due_date, completed, position, remind_at, recurrence, recurrence_start)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (user_id, position) DO NOTHING RETURNING ${COLUMNS}`,
);
/** Whether completing ($4: true, or null for a flip) would complete a pending recurring task. */
const COMPLETING = 'NOT completed AND COALESCE($4, true) AND recurrence IS NOT NULL';
const SET_COMPLETED = new Statement(
  conditionalUpdateSql({
    table: 'tasks',
    sets: ['completed = COALESCE($4, NOT completed)'],
    returning: COLUMNS,
    target: `${COMPLETING} AS recurring`,
    unless: COMPLETING,
    select: '(SELECT recurring FROM target) AS recurring, changed.*',
  }),
);
const DELETE = new Statement(conditionalDeleteSql('tasks'));
/**
 * The SQL of `tasks`. Every statement is scoped by the owner, so another user's task looks exactly
 * like no task. Writes take the UserWrite that UserWrites.run() hands out, and its user is the owner.
 */
@Injectable()
export class TasksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async page(userId: string, query: TaskPageQuery): Promise<TaskPage> {
    const params: unknown[] = [];
    const filter = taskFilterSql(userId, query, params);
    const param = (value: unknown) => `$${params.push(value)}`;

    const direction = query.descending ? 'DESC' : 'ASC';
    // Undated tasks go last in both directions; the other keys are NOT NULL, so their order matches
    // the (user_id, key, id) indexes exactly and a page is read straight off the index.
    const key = SORT_KEYS[query.sort];
    const nulls = query.sort === 'due_date' ? ' NULLS LAST' : '';
    // Positions are unique per user: no tie for `id` to break, and (user_id, position) alone serves the order.
    const tieBreak = query.sort === 'position' ? '' : `, id ${direction}`;

    // `total` as a sub-select, counted off the index: count(*) OVER () read every matching row first
    // (6.8 against 1.4 ms at 10,000 tasks).
    const rows = await Statement.built(
      `SELECT ${COLUMNS}, (SELECT count(*) FROM tasks WHERE ${filter}) AS total FROM tasks WHERE ${filter}
       ORDER BY ${key} ${direction}${nulls}${tieBreak} ${pageBounds(param(query.limit), param(query.offset))}`,
    ).rows<TaskRow & { total: string }>(this.db, params);
    if (rows.length) return { rows, total: Number(rows[0].total) };
    if (query.offset === 0) return { rows, total: 0 };
    // A page past the end has no row to carry the total.
    const [{ count }]: { count: string }[] = await this.db.query(
      `SELECT count(*) FROM tasks WHERE ${filter}`,
      params.slice(0, -2),
    );
    return { rows, total: Number(count) };
  }

  /**
   * The user's tasks stamped after `after` (their change cursor), oldest stamp first, read with
   * `db`: GET /api/sync reads every synced table in one snapshot.
   */
  changedSince(db: EntityManager, userId: string, after: number, limit: number): Promise<StampedTaskRow[]> {
    return CHANGED_SINCE.rows(db, [userId, after, limit]);
  }

  async find(userId: string, id: number): Promise<TaskRow | null> {
    const [row] = await FIND.rows<TaskRow>(this.db, [id, userId]);
    return row ?? null;
  }

  /** Inserts the task, or nothing (null) when another task of the user already holds its position. */
  async insert(write: UserWrite, task: NewTask): Promise<TaskRow | null> {
    const [row] = await INSERT.rows<TaskRow>(write.db, [
      write.userId,
      task.title,
      task.description,
      task.priority,
      task.due_date,
      task.completed,
      task.position,
      task.remind_at,
      task.recurrence,
      task.recurrence_start,
    ]);
    return row ?? null;
  }

  /**
   * Makes `categoryIds` the task's categories, in one statement: links not listed go, listed ones
   * not yet there come. A category that is not the owner's fails the insert on the composite
   * foreign key (23503 on task_categories_category_fkey), so the caller's transaction rolls back.
   */
  async replaceCategories(write: UserWrite, taskId: number, categoryIds: number[]): Promise<void> {
    await write.db.query(
      `WITH unlinked AS (DELETE FROM task_categories WHERE user_id = $1 AND task_id = $2 AND NOT category_id = ANY ($3::int[]))
       INSERT INTO task_categories (user_id, task_id, category_id)
       SELECT $1, $2, unnest($3::int[]) ON CONFLICT DO NOTHING`,
      [write.userId, taskId, categoryIds],
    );
  }

  /** The matching recurring tasks that completing would complete, locked until the transaction ends. */
  async lockRecurringToComplete(write: UserTransaction, filter: TaskFilter): Promise<TaskRow[]> {
    const params: unknown[] = [];
    const where = taskFilterSql(write.userId, filter, params);
    return write.db.query(
      `SELECT ${COLUMNS} FROM tasks WHERE ${where} AND NOT completed AND recurrence IS NOT NULL ORDER BY id FOR UPDATE OF tasks`,
      params,
    );
  }

  /** Sets the given columns if If-Match accepts the task's version; with none, only bumps the version. */
  async update(write: UserWrite, target: Target, changes: TaskChanges): Promise<ConditionalWrite<TaskRow>> {
    const { sets, params } = conditionalChanges(write, target, changes, WRITABLE, (column, value) =>
      // A new reminder time fires again; the same time sent again (a client saving the whole task) does not.
      column === 'remind_at'
        ? `reminded_at = CASE WHEN remind_at IS DISTINCT FROM ${value} THEN NULL ELSE reminded_at END`
        : undefined,
    );
    const [row] = await Statement.built(conditionalUpdateSql({ table: 'tasks', sets, returning: COLUMNS })).rows<
      ConditionalRow<TaskRow>
    >(write.db, params);
    return conditionalResult(row);
  }

  /**
   * Sets `completed`, or flips it when null, in one statement so no toggle is lost; except that a
   * recurring task being completed is left alone ('recurring': its series decides, under a row lock).
   */
  async setCompleted(
    write: UserWrite,
    { id, versions }: Target,
    completed: boolean | null,
  ): Promise<ConditionalWrite<TaskRow> | { outcome: 'recurring' }> {
    const [row] = await SET_COMPLETED.rows<ConditionalRow<TaskRow> & { recurring: boolean | null }>(write.db, [
      id,
      write.userId,
      versions,
      completed,
    ]);
    if (row.id !== null) return { outcome: 'written', row };
    // Not written though found: a stale version, unless the task recurs (or began to, concurrently,
    // when any version would do); the caller then looks again under the row lock.
    if (row.found && (row.recurring || versions === null)) return { outcome: 'recurring' };
    return notWritten(row.found);
  }

  /** The task, locked until the transaction ends, for a write computed from what it holds. */
  async lock(write: UserTransaction, id: number): Promise<TaskRow | null> {
    const [row]: TaskRow[] = await write.db.query(
      `SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, write.userId],
    );
    return row ?? null;
  }

  /** Deletes the task if If-Match accepts its version; tells a missing task from a changed one in the same statement. */
  async delete(write: UserWrite, { id, versions }: Target): Promise<ConditionalWrite<true>> {
    const [row] = await DELETE.rows<{ found: boolean; deleted: boolean }>(write.db, [id, write.userId, versions]);
    return conditionalDeleted(row);
  }
}
