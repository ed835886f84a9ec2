import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import {
  accepted,
  type ConditionalRow,
  conditionalChanges,
  type ConditionalWrite,
  conditionalDeleted,
  conditionalDeleteSql,
  conditionalResult,
  conditionalUpdateSql,
  notWritten,
  type Target,
  VERSION_ACCEPTED,
} from '../database/conditional-write.js';
import { opaqueParam, pageBounds, Statement } from '../database/statement.js';
import type { UserTransaction, UserWrite } from '../database/user-writes.js';
import { readableBranches, readableTasks, taskAccessible } from '../lists/list-access.js';
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
  list_id: number;
  created_by: string | null;
  assignee_id: string | null;
  parent_id: number | null;
  /** Counts of direct subtasks (bigint, hence strings from PostgreSQL). */
  subtask_count: number | string;
  pending_subtask_count: number | string;
  /** The ids of the caller's categories on the task, ascending. */
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
  | 'assignee_id'
>;

/** Where a new task goes: a list (null: the caller's inbox) and a parent (null: top level). */
export interface Placement {
  listId: number | null;
  parentId: number | null;
}

/** The columns a write may set; absent ones keep their value. */
export type TaskChanges = Partial<Omit<NewTask, 'assignee_id'>> & {
  assignee_id?: string | null;
  list_id?: number;
  parent_id?: number | null;
};

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
  position: 'tasks.position',
};

/**
 * A task's columns as `caller` sees them, over the row `tasks`: its subtask counts (off the parent
 * index), and the caller's own category ids read in the same statement (one index range per row of
 * a page, on task_categories' primary key). Usable in RETURNING as well. A statement of many rows
 * joins SUBTASK_COUNTS instead (`counted`), so both counts come from one index probe per row.
 */
const columns = (caller: string, counted = false) => `tasks.id, tasks.user_id, tasks.title, tasks.description,
  tasks.completed, tasks.priority, tasks.due_date, tasks.position, tasks.remind_at, tasks.reminded_at,
  tasks.recurrence, tasks.recurrence_start, tasks.created_at, tasks.updated_at, tasks.version, tasks.list_id,
  tasks.created_by, tasks.assignee_id, tasks.parent_id,
  ${
    counted
      ? 'subtasks.subtask_count, subtasks.pending_subtask_count'
      : `(SELECT count(*) FROM tasks AS sub WHERE sub.parent_id = tasks.id) AS subtask_count,
  (SELECT count(*) FROM tasks AS sub WHERE sub.parent_id = tasks.id AND NOT sub.completed) AS pending_subtask_count`
  },
  ARRAY(SELECT category_id FROM task_categories
         WHERE user_id = ${caller} AND task_id = tasks.id ORDER BY category_id) AS category_ids`;

/** Both subtask counts of each row `tasks` in one probe of the parent index, for `columns(caller, true)`. */
const SUBTASK_COUNTS = `LEFT JOIN LATERAL (
    SELECT count(*) AS subtask_count, count(*) FILTER (WHERE NOT sub.completed) AS pending_subtask_count
      FROM tasks AS sub WHERE sub.parent_id = tasks.id) AS subtasks ON true`;

/** Conditional writes of a task: seen by members of its list, written by its owner and editors. */
const SCOPE = { read: taskAccessible('$2'), write: taskAccessible('$2', 'write') };

/** The advisory-lock class of per-list tree locks (the second key is the list id); any constant. */
const LIST_LOCK_CLASS = 1_164_801;

/** The task `$1` and its subtasks at every level, as a recursive CTE named `subtree`. */
const SUBTREE = `subtree AS (SELECT $1::int AS id UNION ALL SELECT sub.id FROM tasks AS sub JOIN subtree ON sub.parent_id = subtree.id)`;

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
  'assignee_id',
  'list_id',
  'parent_id',
] as const satisfies readonly (keyof TaskChanges)[];

// The hot routes' statements, prepared once per connection (database/statement.ts).
// Sync pages order by the stamp column, not the float8 output of that name, which sorted every later
// change instead of reading the index (8.5 against 1.3 ms at 10,000 tasks). One statement of two
// parts, each its own page: the caller's rows by the row's stamp, then the rows of lists shared with
// them (and rows whose labels alone changed) by the caller's own stamps; SyncService merges them.
// As two statements, the second cost every sync page a round trip of its own.
const CHANGED_SINCE = new Statement(
  `(SELECT ${columns('$1', true)}, tasks.change_seq::float8 AS change_seq FROM tasks ${SUBTASK_COUNTS}
     WHERE user_id = $1 AND change_seq > $2 ORDER BY tasks.change_seq ${pageBounds('$3')})
   UNION ALL
   (SELECT ${columns('$1', true)}, mine.change_seq::float8 AS change_seq
      FROM member_changes AS mine JOIN tasks ON tasks.id = mine.id ${SUBTASK_COUNTS}
     WHERE mine.user_id = $1 AND mine.kind = 'tasks' AND mine.change_seq > $2 AND ${taskAccessible('$1')}
     ORDER BY mine.change_seq ${pageBounds('$3')})`,
);
const FIND = new Statement(`SELECT ${columns('$2')} FROM tasks WHERE id = $1 AND ${taskAccessible('$2')}`);
const INSERT_COLUMNS = `user_id, list_id, created_by, title, description, priority, due_date, completed, position, remind_at,
  recurrence, recurrence_start, parent_id, assignee_id`;
const INSERT_VALUES = `lists.owner_id, lists.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10`;
/**
 * A new task's columns: it has no subtasks and no labels yet (its links, if any, are written after
 * it, and their ids set on the row by the caller), so RETURNING reads neither.
 */
const NEW_COLUMNS = columns('$1').replace(
  /,\s*\(SELECT count[\s\S]*$/,
  `,
  0 AS subtask_count, 0 AS pending_subtask_count, '{}'::int[] AS category_ids`,
);
/** A task in the caller's inbox: the hot path, one statement. */
const INSERT_INBOX = new Statement(
  `INSERT INTO tasks (${INSERT_COLUMNS})
   SELECT ${INSERT_VALUES}, NULL, $11 FROM lists WHERE lists.owner_id = $1 AND lists.is_inbox
   ON CONFLICT DO NOTHING RETURNING ${NEW_COLUMNS}`,
);
/** A task in list $12 (under parent $13), which the caller may write. */
const INSERT_IN_LIST = new Statement(
  `INSERT INTO tasks (${INSERT_COLUMNS})
   SELECT ${INSERT_VALUES}, $13, $11 FROM lists
    WHERE lists.id = $12 AND lists.id IN (SELECT list_id FROM list_members WHERE user_id = $1 AND role IN ('owner', 'editor'))
   ON CONFLICT DO NOTHING RETURNING ${NEW_COLUMNS}`,
);
/**
 * Whether completing (`completed`: true, or null for a flip) needs more than the row's own write: a
 * pending recurring task advances to its next date, and a task with subtasks completes the open ones
 * at every level (done direct subtasks may have open ones below them, so any subtask counts). Both
 * are done under the row's lock (TaskRecurrenceService.complete), so the toggle's statement writes
 * one row: a second UPDATE in it, even one with nothing to write, cost PostgreSQL 7% of every
 * toggle (the tables opened and their indexes, on each call).
 */
const completing = (
  completed: string,
  hasSubtasks = 'EXISTS (SELECT 1 FROM tasks AS sub WHERE sub.parent_id = tasks.id)',
) => `NOT completed AND COALESCE(${completed}, true) AND (recurrence IS NOT NULL OR ${hasSubtasks})`;
/**
 * Sets `completed` on one task the caller may write, if If-Match accepts its version and completing
 * it needs no lock (`completing`); returns the row only when it wrote it. The toggle is the one hot
 * write, so it is the UPDATE alone, without conditionalUpdateSql's reads of the row as it was: a
 * generic plan costs PostgreSQL every node of it on each call, run or not, and those reads were a
 * sixth of a toggle's instructions (callgrind, docs/performance.md). Why nothing was written is
 * asked only then (WHY_NOT_COMPLETED). The subtasks are counted once, for both `completing` and the
 * returned counts: the statement's snapshot gives both the same answer, also when a concurrent
 * write makes PostgreSQL check the row again.
 */
const SET_COMPLETED = new Statement(
  `UPDATE tasks SET completed = COALESCE($4, NOT completed), updated_at = now(), version = version + 1
     FROM (SELECT count(*) AS subtask_count, count(*) FILTER (WHERE NOT sub.completed) AS pending_subtask_count
             FROM tasks AS sub WHERE sub.parent_id = $1) AS subtasks
    WHERE tasks.id = $1 AND ${SCOPE.write} AND ${VERSION_ACCEPTED}
      AND NOT (${completing('$4', 'subtasks.subtask_count > 0')})
    RETURNING ${columns('$2', true)}`,
);
/** The task as SET_COMPLETED's caller ($2) sees it now, for why it was not written: absent when they cannot read it. */
const WHY_NOT_COMPLETED = new Statement(
  `SELECT ${SCOPE.write} AS allowed, ${completing('$3')} AS under_lock, version FROM tasks WHERE id = $1 AND ${SCOPE.read}`,
);
const DELETE = new Statement(conditionalDeleteSql('tasks', SCOPE));
const UPDATE_SQL = (sets: string[]) =>
  conditionalUpdateSql({ table: 'tasks', sets, returning: columns('$2'), scope: SCOPE });
/** What placing a task needs to know of its list and parent, read for the caller. */
export interface PlacementFacts {
  /** The caller's role in the list (null: they cannot read it). */
  role: string | null;
  /** The parent's list, depth (1: top level) and whether it recurs; null when the caller cannot read it. */
  parent: { list_id: number; depth: number; recurring: boolean } | null;
  /** Whether the assignee is the list's owner or a member. */
  assignable: boolean;
}

/** What re-parenting a task needs to know (TasksRepository.subtreeFacts). */
export interface SubtreeFacts {
  parent: PlacementFacts['parent'];
  /** Whether the new parent is the task itself or one of its subtasks. */
  cycle: boolean;
  /** How many levels the task's subtree has (1: no subtasks). */
  height: number;
}

/**
 * The SQL of `tasks`. Every statement is scoped by list-access.ts's rule in SQL: a task of a list
 * the caller is not a member of looks exactly like no task, and writes need a writer's role.
 * `write.userId` (UserWrites) is the caller.
 */
@Injectable()
export class TasksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async page(callerId: string, query: TaskPageQuery): Promise<TaskPage> {
    const params: unknown[] = [];
    // The caller ($1) as a sub-select: no plan of the page sees which user asks, so PostgreSQL keeps
    // the generic plan rather than planning every call for a user with few tasks (the access branches
    // made planning dearer than the page: 760 against 360 µs of PostgreSQL CPU at 100 tasks).
    const caller = opaqueParam('$1', 'text');
    const where = taskFilterSql(callerId, query, params, () => caller);
    const param = (value: unknown) => `$${params.push(value)}`;

    const direction = query.descending ? 'DESC' : 'ASC';
    // Undated tasks go last in both directions; the other keys are NOT NULL, so their order matches
    // the (user_id, key, id) indexes exactly and a page is read straight off the index.
    const nulls = query.sort === 'due_date' ? ' NULLS LAST' : '';
    // The manual order: the caller's order of their lists, then each list's positions.
    const manual = query.sort === 'position';
    const order = manual
      ? 'mine.position, tasks.list_id, tasks.position, tasks.id'
      : `${SORT_KEYS[query.sort]} ${direction}${nulls}, tasks.id ${direction}`;
    const limit = param(query.limit);
    const offset = param(query.offset);
    // The lists the caller owns, and those shared with them, branch by branch.
    const [owned, shared] = readableBranches(caller, where);
    // The manual order is read off the caller's membership rows, joined once. The other orders take
    // each branch's first limit + offset rows in that order, so the owned branch is a bounded range
    // of its (user_id, key, id) index and PostgreSQL merges the two: over the whole of each branch
    // (readableTasks) it read and sorted every matching task, 6.9 against 1.1 ms at 10,000 tasks.
    const firstOf = (branch: string) =>
      `(SELECT tasks.* FROM tasks WHERE ${branch} ORDER BY ${order} LIMIT (SELECT ${limit}::int + ${offset}::int))`;
    const from = manual
      ? `${readableTasks(caller, where)} JOIN list_members AS mine ON mine.list_id = tasks.list_id AND mine.user_id = ${caller}`
      : `(${firstOf(owned)}\n    UNION ALL\n    ${firstOf(shared)}) AS tasks`;
    // `total` as sub-selects, counted off the indexes: count(*) OVER () read every matching row first
    // (6.8 against 1.4 ms at 10,000 tasks), and a count over readableTasks' `tasks.*` branches read
    // the rows rather than an index.
    const total = `(SELECT count(*) FROM tasks WHERE ${owned}) + (SELECT count(*) FROM tasks WHERE ${shared})`;

    const rows = await Statement.built(
      `SELECT ${columns(caller, true)}, ${total} AS total FROM ${from} ${SUBTASK_COUNTS}
       ORDER BY ${order} ${pageBounds(limit, offset)}`,
    ).rows<TaskRow & { total: string }>(this.db, params);
    if (rows.length) return { rows, total: Number(rows[0].total) };
    if (query.offset === 0) return { rows, total: 0 };
    // A page past the end has no row to carry the total.
    const [{ count }]: { count: string }[] = await this.db.query(`SELECT ${total} AS count`, params.slice(0, -2));
    return { rows, total: Number(count) };
  }

  /**
   * The tasks the user reads that were stamped for them after `after` (their change cursor), in two
   * runs of oldest stamp first (CHANGED_SINCE), read with `db`: GET /api/sync reads every synced
   * table in one snapshot. Rows of the lists they own carry their stamp; others come through
   * member_changes. A row may come from both (its labels changed, then the row): the caller keeps
   * the newer.
   */
  changedSince(db: EntityManager, userId: string, after: number, limit: number): Promise<StampedTaskRow[]> {
    return CHANGED_SINCE.rows<StampedTaskRow>(db, [userId, after, limit]);
  }

  async find(callerId: string, id: number): Promise<TaskRow | null> {
    const [row] = await FIND.rows<TaskRow>(this.db, [id, callerId]);
    return row ?? null;
  }

  /**
   * What re-parenting task `id` under `parentId` needs, read under the list's lock (lockList): the
   * parent as the caller sees it, whether it is in the task's own subtree (a cycle), and how many
   * levels the task's subtree has (1: no subtasks).
   */
  async subtreeFacts(write: UserTransaction, id: number, parentId: number): Promise<SubtreeFacts> {
    const [row]: SubtreeFacts[] = await write.db.query(
      `WITH RECURSIVE parent AS (
         SELECT tasks.id, tasks.list_id, tasks.recurrence IS NOT NULL AS recurring FROM tasks
          WHERE tasks.id = $2 AND ${taskAccessible('$3')}),
       ancestors AS (
         SELECT parent.id, tasks.parent_id FROM parent JOIN tasks ON tasks.id = parent.id
         UNION ALL SELECT tasks.id, tasks.parent_id FROM tasks JOIN ancestors ON tasks.id = ancestors.parent_id),
       subtree AS (SELECT $1::int AS id, 1 AS level
                   UNION ALL SELECT sub.id, subtree.level + 1 FROM tasks AS sub JOIN subtree ON sub.parent_id = subtree.id
                    WHERE subtree.level < 10)
       SELECT (SELECT json_build_object('list_id', list_id, 'recurring', recurring,
                                        'depth', (SELECT count(*) FROM ancestors)) FROM parent) AS parent,
              EXISTS (SELECT 1 FROM subtree WHERE id = $2) AS cycle,
              (SELECT max(level) FROM subtree)::int AS height`,
      [id, parentId, write.userId],
    );
    return row;
  }

  /** Serialises changes to a list's tree (re-parenting), so two of them cannot make a cycle together. */
  async lockList(write: UserTransaction, listId: number): Promise<void> {
    await write.db.query('SELECT pg_advisory_xact_lock($1, $2)', [LIST_LOCK_CLASS, listId]);
  }

  /** The list task `id` is in as of now, unlocked, or null when there is no such task. */
  async listOf(write: UserTransaction, id: number): Promise<number | null> {
    const [row]: { list_id: number }[] = await write.db.query('SELECT list_id FROM tasks WHERE id = $1', [id]);
    return row?.list_id ?? null;
  }

  /**
   * After task `id` moved to list `listId` with its subtasks: assignees who are not members there are
   * unassigned, and labels of users who cannot read that list are removed.
   */
  async settleMovedSubtree(write: UserTransaction, id: number, listId: number): Promise<void> {
    await write.db.query(
      `WITH RECURSIVE ${SUBTREE.replace('$1::int', '$1::int')},
       unassigned AS (
         UPDATE tasks SET assignee_id = NULL, updated_at = now(), version = version + 1
          WHERE tasks.id IN (SELECT id FROM subtree) AND assignee_id IS NOT NULL
            AND assignee_id NOT IN (SELECT user_id FROM list_members WHERE list_id = $2) RETURNING 1)
       DELETE FROM task_categories WHERE task_id IN (SELECT id FROM subtree)
          AND user_id NOT IN (SELECT user_id FROM list_members WHERE list_id = $2)`,
      [id, listId],
    );
  }

  /** What placing a task in list `listId` (null: the inbox), read in `write`'s transaction when given, under `parentId` with `assigneeId` needs. */
  async placementFacts(
    callerId: string,
    listId: number | null,
    parentId: number | null,
    assigneeId: string | null,
    write?: UserWrite,
  ): Promise<PlacementFacts & { list_id: number | null }> {
    const [row] = await Statement.built(
      `WITH RECURSIVE parent AS (
         SELECT tasks.id, tasks.list_id, tasks.recurrence IS NOT NULL AS recurring FROM tasks
          WHERE tasks.id = $3 AND ${taskAccessible('$1')}),
       ancestors AS (
         SELECT parent.id, tasks.parent_id FROM parent JOIN tasks ON tasks.id = parent.id
         UNION ALL SELECT tasks.id, tasks.parent_id FROM tasks JOIN ancestors ON tasks.id = ancestors.parent_id),
       list AS (SELECT COALESCE($2::int, (SELECT list_id FROM parent),
                                (SELECT id FROM lists WHERE owner_id = $1 AND is_inbox)) AS id)
       SELECT (SELECT id FROM list) AS list_id,
              (SELECT role FROM list_members WHERE list_id = (SELECT id FROM list) AND user_id = $1) AS role,
              (SELECT json_build_object('list_id', list_id, 'recurring', recurring,
                                        'depth', (SELECT count(*) FROM ancestors)) FROM parent) AS parent,
              ($4::text IS NULL OR EXISTS (SELECT 1 FROM list_members
                                            WHERE list_id = (SELECT id FROM list) AND user_id = $4)) AS assignable`,
    ).rows<PlacementFacts & { list_id: number | null }>(write?.db ?? this.db, [callerId, listId, parentId, assigneeId]);
    return row;
  }

  /**
   * Inserts the task where `place` says (the caller's inbox by default), or nothing (null) when
   * another task already holds its position there, or the caller may not write that list.
   */
  async insert(write: UserWrite, place: Placement, task: NewTask): Promise<TaskRow | null> {
    const values = [
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
      task.assignee_id,
    ];
    const [row] =
      place.listId === null && place.parentId === null
        ? await INSERT_INBOX.rows<TaskRow>(write.db, values)
        : await INSERT_IN_LIST.rows<TaskRow>(write.db, [...values, place.listId, place.parentId]);
    return row ?? null;
  }

  /**
   * Makes `categoryIds` the caller's categories on the task, in one statement: links not listed go,
   * listed ones not yet there come. A category that is not the caller's fails the insert on the
   * composite foreign key (23503 on task_categories_category_fkey), so the transaction rolls back.
   */
  async replaceCategories(write: UserWrite, taskId: number, categoryIds: number[]): Promise<void> {
    await write.db.query(
      `WITH unlinked AS (DELETE FROM task_categories WHERE user_id = $1 AND task_id = $2 AND NOT category_id = ANY ($3::int[]))
       INSERT INTO task_categories (user_id, task_id, category_id)
       SELECT $1, $2, unnest($3::int[]) ON CONFLICT DO NOTHING`,
      [write.userId, taskId, categoryIds],
    );
  }

  /**
   * A change of the caller's labels alone, which any member may make (a viewer too): the task gets a
   * new version, so every reader's cursor moves on and each re-reads it with their own labels.
   */
  async touch(write: UserTransaction, taskId: number): Promise<TaskRow> {
    const [row]: TaskRow[] = await write.db.query(
      `WITH touched AS (UPDATE tasks SET updated_at = now(), version = version + 1 WHERE id = $1 RETURNING tasks.*)
       SELECT ${columns('$2')} FROM touched AS tasks`,
      [taskId, write.userId],
    );
    return row;
  }

  /** The matching recurring tasks that completing would complete, locked until the transaction ends. */
  async lockRecurringToComplete(write: UserTransaction, filter: TaskFilter): Promise<TaskRow[]> {
    const params: unknown[] = [];
    const where = taskFilterSql(write.userId, filter, params);
    return write.db.query(
      `SELECT ${columns('$1')} FROM tasks WHERE ${taskAccessible('$1', 'write')} AND ${where}
          AND NOT completed AND recurrence IS NOT NULL ORDER BY id FOR UPDATE OF tasks`,
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
    const [row] = await Statement.built(UPDATE_SQL(sets)).rows<ConditionalRow<TaskRow>>(write.db, params);
    return conditionalResult(row);
  }

  /**
   * Sets `completed`, or flips it when null, in one statement so no toggle is lost. Completing a
   * recurring task, or one with subtasks, is left alone ('under-lock': the caller does it under
   * the row's lock, with the series and the subtasks).
   */
  async setCompleted(
    write: UserWrite,
    target: Target,
    completed: boolean | null,
  ): Promise<ConditionalWrite<TaskRow> | { outcome: 'under-lock' }> {
    const { id, versions } = target;
    const [row] = await SET_COMPLETED.rows<TaskRow>(write.db, [id, write.userId, versions, completed]);
    if (row) return { outcome: 'written', row };
    // Not written. The task as it is now says why: it is gone (or not the caller's to see), the
    // caller may not write it, or its version is not accepted. When it would be written now (it
    // changed in between), or completing it needs the lock, the caller looks again under the row
    // lock, so every answer holds for one state of the row.
    const [now] = await WHY_NOT_COMPLETED.rows<{ allowed: boolean; under_lock: boolean; version: number }>(write.db, [
      id,
      write.userId,
      completed,
    ]);
    if (!now || !now.allowed) return notWritten(!!now, false);
    if (now.under_lock || accepted(target, now)) return { outcome: 'under-lock' };
    return notWritten(true);
  }

  /** Sets `completed` on the open (or done) subtasks of task `id`, at every level; how many changed. */
  async setSubtasksCompleted(write: UserTransaction, id: number, completed: boolean): Promise<number> {
    const [{ count }]: { count: number }[] = await write.db.query(
      `WITH RECURSIVE ${SUBTREE}, changed AS (
         UPDATE tasks SET completed = $2, updated_at = now(), version = version + 1
          WHERE tasks.id IN (SELECT id FROM subtree WHERE id <> $1) AND tasks.completed <> $2 RETURNING 1)
       SELECT count(*)::int AS count FROM changed`,
      [id, completed],
    );
    return count;
  }

  /**
   * The task, locked until the transaction ends, for a write computed from what it holds, with
   * whether the caller may write it; null when they cannot read it.
   */
  async lock(write: UserTransaction, id: number): Promise<(TaskRow & { allowed: boolean }) | null> {
    const [row]: (TaskRow & { allowed: boolean })[] = await write.db.query(
      `SELECT ${columns('$2')}, ${taskAccessible('$2', 'write')} AS allowed FROM tasks
        WHERE id = $1 AND ${taskAccessible('$2')} FOR UPDATE OF tasks`,
      [id, write.userId],
    );
    return row ?? null;
  }

  /** Deletes the task (and its subtasks) if If-Match accepts its version; tells a missing task from a changed one in the same statement. */
  async delete(write: UserWrite, { id, versions }: Target): Promise<ConditionalWrite<true>> {
    const [row] = await DELETE.rows<{ found: boolean; allowed: boolean; deleted: boolean }>(write.db, [
      id,
      write.userId,
      versions,
    ]);
    return conditionalDeleted(row);
  }
}
