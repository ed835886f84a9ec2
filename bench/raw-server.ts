/**
 * The yardstick: what a careful engineer would write by hand with Fastify and pg for the same hot
 * routes, on the same tables, with the same SQL and the same token checks (HS256 with the shared
 * secret, or EdDSA against Better Auth's JWKS with jose; then ownership; then one indexed query).
 * No Nest, no class-validator, no TypeORM, no helmet/CORS. Run as a child process by bench/main.ts.
 *
 * Environment: PORT, DATABASE_URL, BETTER_AUTH_SECRET, BETTER_AUTH_JWKS_URL, BETTER_AUTH_ISSUER,
 * BETTER_AUTH_AUDIENCE, DB_POOL_SIZE.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { generateKeyBetween } from 'fractional-indexing';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Pool } from 'pg';

const env = process.env as Record<string, string>;
const secret = Buffer.from(env.BETTER_AUTH_SECRET);
const jwks = createRemoteJWKSet(new URL(env.BETTER_AUTH_JWKS_URL));
const pool = new Pool({ connectionString: env.DATABASE_URL, max: Number(env.DB_POOL_SIZE || 10) });

const COLUMNS = `id, user_id, title, description, completed, priority, due_date, position, remind_at, reminded_at,
  recurrence, recurrence_start, created_at, updated_at, version,
  ARRAY(SELECT category_id FROM task_categories
    WHERE user_id = tasks.user_id AND task_id = tasks.id ORDER BY category_id) AS category_ids`;

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface TaskRoute {
  Params: { userId: string; id: string };
  Querystring: { limit?: string; offset?: string; category_id?: string };
  Body?: { title?: unknown; priority?: string };
}

async function userOf(request: FastifyRequest<TaskRoute>, owned = true): Promise<string> {
  const token = /^bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) throw new HttpError(401, 'missing token');
  const [header, payload, signature] = token.split('.');
  let sub: unknown;
  if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg === 'HS256') {
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new HttpError(401, 'bad signature');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown; sub?: unknown };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new HttpError(401, 'expired');
    sub = claims.sub;
  } else {
    const { payload: claims } = await jwtVerify(token, jwks, {
      algorithms: ['EdDSA'],
      issuer: env.BETTER_AUTH_ISSUER,
      audience: env.BETTER_AUTH_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
    }).catch(() => {
      throw new HttpError(401, 'invalid token');
    });
    sub = claims.sub;
  }
  if (typeof sub !== 'string') throw new HttpError(401, 'no subject');
  if (owned && sub !== request.params.userId) throw new HttpError(403, 'not your tasks');
  return sub;
}

function taskId(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) throw new HttpError(422, 'bad id');
  return Number(value);
}

interface Row {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: string;
  due_date: Date | null;
  position: string;
  remind_at: Date | null;
  reminded_at: Date | null;
  recurrence: string | null;
  created_at: Date;
  updated_at: Date;
  version: number;
  category_ids: number[];
  total?: string;
}

const toTask = (row: Row) => ({
  id: row.id,
  user_id: row.user_id,
  title: row.title,
  description: row.description,
  completed: row.completed,
  priority: row.priority,
  due_date: row.due_date ? row.due_date.toISOString() : null,
  position: row.position,
  remind_at: row.remind_at ? row.remind_at.toISOString() : null,
  reminded_at: row.reminded_at ? row.reminded_at.toISOString() : null,
  recurrence: row.recurrence,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  category_ids: row.category_ids,
});

function sendTask(reply: FastifyReply, row: Row | undefined) {
  if (!row) throw new HttpError(404, 'Task not found');
  return reply.header('ETag', `"${row.id}-${row.version}"`).send(toTask(row));
}

const app = Fastify({ bodyLimit: 64 * 1024 });

app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
  reply
    .status(error.statusCode ?? 500)
    .type('application/problem+json')
    .send({ status: error.statusCode ?? 500, detail: error.message });
});

app.get('/health', () => ({ status: 'ok' }));

app.get<TaskRoute>('/api/:userId/tasks', async (request) => {
  const userId = await userOf(request);
  const limit = Number(request.query.limit ?? 50);
  const offset = Number(request.query.offset ?? 0);
  if (!(limit >= 1 && limit <= 100 && offset >= 0)) throw new HttpError(422, 'bad page');
  const params: unknown[] = [userId, limit, offset];
  let where = 'tasks.user_id = $1';
  if (request.query.category_id !== undefined) {
    where += ` AND tasks.id IN (SELECT task_id FROM task_categories WHERE user_id = $1 AND category_id = $${params.push(taskId(request.query.category_id))})`;
  }
  const { rows } = await pool.query<Row>(
    `SELECT ${COLUMNS}, (SELECT count(*) FROM tasks WHERE ${where}) AS total FROM tasks WHERE ${where}
     ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
    params,
  );
  return { items: rows.map(toTask), total: rows.length ? Number(rows[0].total) : 0, limit, offset };
});

app.get<TaskRoute>('/api/:userId/tasks/:id', async (request, reply) => {
  const userId = await userOf(request);
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [
    taskId(request.params.id),
    userId,
  ]);
  return sendTask(reply, rows[0]);
});

app.post<TaskRoute>('/api/:userId/tasks', async (request, reply) => {
  const userId = await userOf(request);
  const title = typeof request.body?.title === 'string' ? request.body.title.trim() : '';
  if (!title || title.length > 255) throw new HttpError(422, 'bad title');
  // A new task goes to the end: the user's last key, then an insert that a concurrent create may
  // beat to that key (the service's create, without its lock either).
  let rows: Row[] = [];
  let attempt = 0;
  while (!rows.length) {
    const last = await pool.query<{ position: string }>(
      'SELECT position FROM tasks WHERE user_id = $1 ORDER BY position DESC LIMIT 1',
      [userId],
    );
    ({ rows } = await pool.query<Row>(
      `INSERT INTO tasks (user_id, title, description, priority, due_date, completed, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, position) DO NOTHING RETURNING ${COLUMNS}`,
      [
        userId,
        title,
        null,
        request.body?.priority ?? 'medium',
        null,
        false,
        generateKeyBetween(last.rows[0]?.position ?? null, null) + (attempt++ ? retryFraction() : ''),
      ],
    ));
  }
  reply.status(201).header('Location', `/api/${userId}/tasks/${rows[0].id}`);
  return sendTask(reply, rows[0]);
});

app.patch<TaskRoute>('/api/:userId/tasks/:id/complete', async (request, reply) => {
  const userId = await userOf(request);
  const { rows } = await pool.query<Row>(
    `UPDATE tasks SET completed = COALESCE($3, NOT completed), updated_at = now(), version = version + 1
      WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
    [taskId(request.params.id), userId, null],
  );
  return sendTask(reply, rows[0]);
});

/** As the service's retry: four random base-62 digits, the last not 0. */
function retryFraction(): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const pick = (from: number) => digits[from + Math.floor(Math.random() * (62 - from))];
  return pick(0) + pick(0) + pick(0) + pick(1);
}

// A move to the top, as the service does it: a transaction under the user's advisory lock, the
// moved task locked, the first other task's key read, and the new key written.
app.post<TaskRoute>('/api/:userId/tasks/:id/move', async (request, reply) => {
  const userId = await userOf(request);
  const id = taskId(request.params.id);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [1_164_300, userId]);
    const moved = await client.query('SELECT version FROM tasks WHERE id = $1 AND user_id = $2 FOR UPDATE', [
      id,
      userId,
    ]);
    if (!moved.rows.length) throw new HttpError(404, 'not found');
    const first = await client.query<{ position: string }>(
      'SELECT position FROM tasks WHERE user_id = $2 AND id <> $1 ORDER BY position LIMIT 1',
      [id, userId],
    );
    const { rows } = await client.query<Row>(
      `UPDATE tasks SET position = $3, updated_at = now(), version = version + 1
        WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId, generateKeyBetween(null, first.rows[0]?.position ?? null)],
    );
    await client.query('COMMIT');
    return sendTask(reply, rows[0]);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
});

// GET /api/sync as the service reads it: one REPEATABLE READ snapshot with the user's head, the
// tasks and categories (with their counts) stamped after the cursor and the tombstones, merged by
// stamp into a page of at most 500.
const SYNC_PAGE = 500;
app.get<{ Querystring: { cursor?: string } }>('/api/sync', async (request) => {
  const userId = await userOf(request as unknown as FastifyRequest<TaskRoute>, false);
  const match = /^v1\.(\d{1,15})(?:\.(\d{1,15}))?$/.exec(request.query.cursor ?? 'v1.0');
  if (!match) throw new HttpError(422, 'bad cursor');
  const after = Number(match[1]);
  const base = match[2] === undefined ? 0 : Number(match[2]);
  const client = await pool.connect();
  let head: number;
  let purged: number;
  let tasks: (Row & { change_seq: number })[];
  let tombstones: { kind: string; id: number; change_seq: number }[];
  let categories: CategoryRow[];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const cursor = await client.query<{ seq: number; purged_seq: number }>(
      'SELECT seq::float8 AS seq, purged_seq::float8 AS purged_seq FROM user_changes WHERE user_id = $1',
      [userId],
    );
    head = cursor.rows[0]?.seq ?? 0;
    purged = cursor.rows[0]?.purged_seq ?? 0;
    ({ rows: tasks } = await client.query<Row & { change_seq: number }>(
      `SELECT ${COLUMNS}, change_seq::float8 AS change_seq FROM tasks
        WHERE user_id = $1 AND change_seq > $2 ORDER BY tasks.change_seq LIMIT $3`,
      [userId, after, SYNC_PAGE + 1],
    ));
    ({ rows: categories } = await client.query<CategoryRow>(
      `WITH c AS (SELECT id, user_id, name, color, created_at, updated_at, version, change_seq::float8 AS change_seq
                    FROM categories WHERE user_id = $1 AND change_seq > $2 ORDER BY categories.change_seq LIMIT $3)
       SELECT c.*, coalesce(counts.task_count, 0) AS task_count, coalesce(counts.pending_count, 0) AS pending_count
         FROM c LEFT JOIN (
           SELECT tc.category_id, count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
             FROM task_categories tc JOIN tasks t ON t.user_id = tc.user_id AND t.id = tc.task_id
            WHERE tc.user_id = $1 AND tc.category_id IN (SELECT id FROM c)
            GROUP BY tc.category_id) AS counts ON counts.category_id = c.id
        ORDER BY c.change_seq`,
      [userId, after, SYNC_PAGE + 1],
    ));
    ({ rows: tombstones } = after
      ? await client.query<{ kind: string; id: number; change_seq: number }>(
          `SELECT kind, id, change_seq::float8 AS change_seq FROM sync_tombstones
            WHERE user_id = $1 AND change_seq > $2 ORDER BY sync_tombstones.change_seq LIMIT $3`,
          [userId, after, SYNC_PAGE + 1],
        )
      : { rows: [] });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  if (after > head || (after > 0 && purged > Math.max(after, base))) throw new HttpError(410, 'cursor too old');
  const entries: { seq: number; apply: (page: SyncPage) => void }[] = [
    ...tasks.map((row) => ({ seq: row.change_seq, apply: (page: SyncPage) => page.tasks.push(toTask(row)) })),
    ...categories.map((row) => ({
      seq: row.change_seq,
      apply: (page: SyncPage) =>
        page.categories.push({
          id: row.id,
          name: row.name,
          color: row.color,
          task_count: Number(row.task_count),
          pending_count: Number(row.pending_count),
          created_at: row.created_at.toISOString(),
          updated_at: row.updated_at.toISOString(),
        }),
    })),
    ...tombstones.map((t) => ({
      seq: t.change_seq,
      apply: (page: SyncPage) => (t.kind === 'tasks' ? page.deleted.tasks : page.deleted.categories).push(t.id),
    })),
  ].sort((a, b) => a.seq - b.seq);
  const included = entries.slice(0, SYNC_PAGE);
  const hasMore = entries.length > SYNC_PAGE;
  const seq = hasMore ? included[included.length - 1].seq : Math.max(head, after);
  const cursorBase = request.query.cursor === undefined ? head : base;
  const page: SyncPage = {
    tasks: [],
    categories: [],
    deleted: { tasks: [], categories: [] },
    cursor: cursorBase > seq ? `v1.${seq}.${cursorBase}` : `v1.${seq}`,
    has_more: hasMore,
  };
  for (const entry of included) entry.apply(page);
  return page;
});

interface CategoryRow {
  id: number;
  name: string;
  color: string | null;
  created_at: Date;
  updated_at: Date;
  change_seq: number;
  task_count: string;
  pending_count: string;
}

interface SyncPage {
  tasks: ReturnType<typeof toTask>[];
  categories: unknown[];
  deleted: { tasks: number[]; categories: number[] };
  cursor: string;
  has_more: boolean;
}

app.listen({ port: Number(env.PORT), host: '127.0.0.1' }).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
process.once('SIGTERM', () => void app.close().then(() => pool.end()));
