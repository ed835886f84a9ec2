/**
 * The yardstick's SQL (bench/raw-server.ts): the service's statement texts for the hot routes, as
 * tasks.repository.ts, task-order.repository.ts, categories.repository.ts, sync.repository.ts and
 * user-writes.ts build them, list-access.ts's scoping included. Keep them in step when those change:
 * the shapes (and so the plans) must be the service's, or the ratio measures a different query.
 */

/** list-access.ts's `sharedListIds`: the lists `user` reads (or writes) as a member, not owner. */
const sharedListIds = (user: string, roles: string) =>
  `SELECT list_id FROM list_members WHERE user_id = ${user} AND ${roles === READ ? "role <> 'owner'" : "role = 'editor'"}`;
const READ = "'owner', 'editor', 'viewer'";
const WRITE = "'owner', 'editor'";
/** list-access.ts's `taskAccessible`: the caller owns the task's list, or has a role in it. */
const accessible = (user: string, roles = READ) =>
  `(tasks.user_id = ${user} OR tasks.list_id IN (${sharedListIds(user, roles)}))`;

/** tasks.repository.ts's `columns`: a task as `caller` sees it, with its subtask counts and the caller's labels. */
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

/** tasks.repository.ts's `SUBTASK_COUNTS`. */
const SUBTASK_COUNTS = `LEFT JOIN LATERAL (
    SELECT count(*) AS subtask_count, count(*) FILTER (WHERE NOT sub.completed) AS pending_subtask_count
      FROM tasks AS sub WHERE sub.parent_id = tasks.id) AS subtasks ON true`;

/** The service's `pageBounds`: LIMIT and OFFSET as sub-selects, so no plan depends on the page size. */
const page = (limit: string, offset?: string) =>
  `LIMIT (SELECT ${limit}::int)${offset ? ` OFFSET (SELECT ${offset}::int)` : ''}`;

/** TasksRepository.page's caller: $1 as a sub-select (statement.ts's `opaqueParam`), so the generic plan is kept. */
const CALLER = '(SELECT $1::text)';

/**
 * TasksRepository.page for `where` (task-filter.ts's condition), newest first: each branch's first
 * limit + offset rows, merged, and the total counted per branch.
 */
const taskPage = (where: string, limit: string, offset: string) => {
  const owned = `tasks.user_id = ${CALLER} AND ${where}`;
  const shared = `tasks.list_id IN (${sharedListIds(CALLER, READ)}) AND ${where}`;
  const order = 'created_at DESC, tasks.id DESC';
  const firstOf = (branch: string) =>
    `(SELECT tasks.* FROM tasks WHERE ${branch} ORDER BY ${order} LIMIT (SELECT ${limit}::int + ${offset}::int))`;
  return `SELECT ${columns(CALLER, true)}, (SELECT count(*) FROM tasks WHERE ${owned}) + (SELECT count(*) FROM tasks WHERE ${shared}) AS total
    FROM (${firstOf(owned)}
    UNION ALL
    ${firstOf(shared)}) AS tasks ${SUBTASK_COUNTS}
       ORDER BY ${order} ${page(limit, offset)}`;
};

/** conditional-write.ts's `conditionalUpdateSql` with the tasks' scope ($2 the caller). */
const conditionalUpdate = (options: {
  sets: string;
  target?: string;
  unless?: string;
  after?: string;
  select?: string;
}) => {
  const { sets, target = '1', unless, after, select = 'changed.*' } = options;
  return `WITH${after ? ' RECURSIVE' : ''} target AS (SELECT ${target}, ${accessible('$2', WRITE)} AS allowed FROM tasks WHERE id = $1 AND ${accessible('$2')}),
        changed AS (UPDATE tasks SET ${sets}, updated_at = now(), version = version + 1
                     WHERE id = $1 AND ${accessible('$2', WRITE)} AND ($3::int[] IS NULL OR version = ANY ($3::int[]))${unless ? ` AND NOT (${unless})` : ''}
                     RETURNING ${columns('$2')})${after ? `,\n        ${after}` : ''}
   SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM target WHERE allowed) AS allowed, ${select}
     FROM (VALUES (1)) AS one LEFT JOIN changed ON true `;
};
/** tasks.repository.ts's `completing`, for the flag `completed`. */
const completing = (completed: string) => `NOT completed AND COALESCE(${completed}, true)
  AND (recurrence IS NOT NULL OR EXISTS (SELECT 1 FROM tasks AS sub WHERE sub.parent_id = tasks.id))`;

export const SQL = {
  list: taskPage('true', '$2', '$3'),
  listByCategory: taskPage(
    `tasks.id IN (SELECT task_id FROM task_categories WHERE user_id = ${CALLER} AND category_id = $2)`,
    '$3',
    '$4',
  ),
  listInList: taskPage('tasks.list_id = $2', '$3', '$4'),
  find: `SELECT ${columns('$2')} FROM tasks WHERE id = $1 AND ${accessible('$2')}`,
  lastInInbox: `SELECT position FROM tasks WHERE list_id = (SELECT id FROM lists WHERE owner_id = $1 AND is_inbox)
      AND parent_id IS NULL ORDER BY position DESC LIMIT 1`,
  insertInInbox: `INSERT INTO tasks (user_id, list_id, created_by, title, description, priority, due_date, completed, position, remind_at,
  recurrence, recurrence_start, parent_id, assignee_id)
   SELECT lists.owner_id, lists.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11 FROM lists WHERE lists.owner_id = $1 AND lists.is_inbox
   ON CONFLICT DO NOTHING RETURNING ${columns('$1').replace(
     /,\s*\(SELECT count[\s\S]*$/,
     `,
  0 AS subtask_count, 0 AS pending_subtask_count, '{}'::int[] AS category_ids`,
   )}`,
  /** tasks.repository.ts's SET_COMPLETED and WHY_NOT_COMPLETED. */
  setCompleted: `UPDATE tasks SET completed = COALESCE($4, NOT completed), updated_at = now(), version = version + 1
     FROM (SELECT count(*) AS subtask_count, count(*) FILTER (WHERE NOT sub.completed) AS pending_subtask_count
             FROM tasks AS sub WHERE sub.parent_id = $1) AS subtasks
    WHERE tasks.id = $1 AND ${accessible('$2', WRITE)} AND ($3::int[] IS NULL OR version = ANY ($3::int[]))
      AND NOT (NOT completed AND COALESCE($4, true) AND (recurrence IS NOT NULL OR subtasks.subtask_count > 0))
    RETURNING ${columns('$2', true)}`,
  whyNotCompleted: `SELECT ${accessible('$2', WRITE)} AS allowed, ${completing('$3')} AS under_lock, version FROM tasks
    WHERE id = $1 AND ${accessible('$2')}`,
  writeLock: 'SELECT pg_advisory_xact_lock($1, hashtext($2))',
  lockMoved: `SELECT version, list_id, parent_id, ${accessible('$2', WRITE)} AS allowed FROM tasks
    WHERE id = $1 AND ${accessible('$2')} FOR UPDATE OF tasks`,
  /** task-order.repository.ts's firstOther for a top-level task, and for a subtask. */
  firstOtherAtTop: `SELECT position FROM tasks WHERE tasks.list_id = $2 AND tasks.parent_id IS NULL AND id <> $1 ORDER BY position LIMIT 1`,
  firstOtherChild: `SELECT position FROM tasks WHERE tasks.parent_id = $2 AND id <> $1 ORDER BY position LIMIT 1`,
  setPosition: conditionalUpdate({ sets: 'position = $4' }),
  head: 'SELECT seq::float8 AS seq, purged_seq::float8 AS purged_seq FROM user_changes WHERE user_id = $1',
  /** tasks.repository.ts's CHANGED_SINCE: the caller's rows, then those of lists shared with them, each a page. */
  tasksSince: `(SELECT ${columns('$1', true)}, tasks.change_seq::float8 AS change_seq FROM tasks ${SUBTASK_COUNTS}
     WHERE user_id = $1 AND change_seq > $2 ORDER BY tasks.change_seq ${page('$3')})
   UNION ALL
   (SELECT ${columns('$1', true)}, mine.change_seq::float8 AS change_seq
      FROM member_changes AS mine JOIN tasks ON tasks.id = mine.id ${SUBTASK_COUNTS}
     WHERE mine.user_id = $1 AND mine.kind = 'tasks' AND mine.change_seq > $2 AND ${accessible('$1')}
     ORDER BY mine.change_seq ${page('$3')})`,
  categoriesSince: `WITH c AS (SELECT id, user_id, name, color, created_at, updated_at, version, change_seq::float8 AS change_seq FROM categories
               WHERE user_id = $1 AND change_seq > $2 ORDER BY categories.change_seq ${page('$3')})
   SELECT c.*, coalesce(counts.task_count, 0) AS task_count, coalesce(counts.pending_count, 0) AS pending_count FROM c LEFT JOIN (
    SELECT tc.category_id, count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
      FROM task_categories tc JOIN tasks t ON t.id = tc.task_id
     WHERE tc.user_id = $1 AND tc.category_id IN (SELECT id FROM c)
     GROUP BY tc.category_id) AS counts ON counts.category_id = c.id
    ORDER BY c.change_seq`,
  listsSince: `
  SELECT l.id, l.owner_id, l.name, l.color, l.is_inbox, l.created_at, l.updated_at, l.version, m.role, m.position,
         (SELECT count(*) FROM list_members x WHERE x.list_id = l.id) AS member_count,
         counts.task_count, counts.pending_count, stamp.seq::float8 AS change_seq
    FROM list_members m
    JOIN lists l ON l.id = m.list_id
   CROSS JOIN LATERAL (
     SELECT GREATEST(m.change_seq, CASE WHEN l.owner_id = $1 THEN l.change_seq ELSE 0 END,
                     coalesce((SELECT c.change_seq FROM member_changes c
                                WHERE c.user_id = $1 AND c.kind = 'lists' AND c.id = l.id), 0)) AS seq) AS stamp
   CROSS JOIN LATERAL (SELECT count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
                         FROM tasks t WHERE t.list_id = l.id) AS counts
   WHERE m.user_id = $1 AND stamp.seq > $2
   ORDER BY stamp.seq ${page('$3')}`,
  tombstonesSince: `SELECT kind, id, change_seq::float8 AS change_seq FROM sync_tombstones
    WHERE user_id = $1 AND change_seq > $2 ORDER BY sync_tombstones.change_seq ${page('$3')}`,
  // push.repository.ts's statements of POST /api/sync/push.
  claimClient: `INSERT INTO sync_clients AS c (client_id, user_id) VALUES ($1, $2)
   ON CONFLICT (client_id) DO UPDATE SET last_push_at = now() WHERE c.user_id = excluded.user_id
   RETURNING c.last_mutation_id::float8 AS last_mutation_id`,
  advanceClient: 'UPDATE sync_clients SET last_mutation_id = $2 WHERE client_id = $1',
  resolveObjects: `SELECT temp_id, kind, object_id, mutation_id::float8 AS mutation_id FROM sync_client_objects
    WHERE client_id = $1 AND temp_id = ANY ($2::text[])`,
  rememberObject: `INSERT INTO sync_client_objects (client_id, temp_id, kind, object_id, mutation_id) VALUES ($1, $2, $3, $4, $5)`,
  pushHead: 'SELECT seq::float8 AS seq FROM user_changes WHERE user_id = $1',
  sessionRevokedAt: 'SELECT revoked_at FROM auth_sessions WHERE id = $1',
  announce: "SELECT set_config('synchronous_commit', 'off', true), announce_user_changes($1::text[])",
};
