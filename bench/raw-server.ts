/**
 * The yardstick: what a careful engineer would write by hand with Fastify and pg for the bench's hot
 * routes, on the same tables, doing the service's work and no more. No Nest, class-validator,
 * TypeORM, helmet, CORS, logs or metrics. Run as a child process by bench/main.ts and stages.ts.
 *
 * - SQL: the service's statement texts (tasks.repository.ts, task-order.repository.ts,
 *   categories.repository.ts, sync.repository.ts, user-writes.ts), each sent as a named prepared
 *   statement, so PostgreSQL parses and plans it once per connection.
 * - Writes are announced after commit as the service's ChangeAnnouncer does: at most one call in
 *   flight, calls at least 5 ms apart, the users of the writes meanwhile batched into the next.
 * - Tokens: HS256 with node:crypto against the shared secret, EdDSA with jose against the JWKS; a
 *   checked signature is remembered until `exp` or for 60 s, and a session's revocation is looked
 *   up at most every 2 s, as the service does. Then ownership.
 * - Responses: Fastify response schemas (fast-json-stringify), which also turn the rows' dates into
 *   ISO strings and leave out the columns the API does not show.
 *
 * Environment: PORT, DATABASE_URL, BETTER_AUTH_SECRET, BETTER_AUTH_JWKS_URL, BETTER_AUTH_ISSUER,
 * BETTER_AUTH_AUDIENCE, DB_POOL_SIZE.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { generateKeyBetween } from 'fractional-indexing';
import { createHash, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';

const env = process.env as Record<string, string>;
const secret = createSecretKey(Buffer.from(env.BETTER_AUTH_SECRET));
const jwks = createRemoteJWKSet(new URL(env.BETTER_AUTH_JWKS_URL));
const pool = new Pool({ connectionString: env.DATABASE_URL, max: Number(env.DB_POOL_SIZE || 10) });

// --- SQL: the service's texts, prepared by name ---------------------------------------------------

const COLUMNS = `id, user_id, title, description, completed, priority, due_date, position, remind_at, reminded_at,
  recurrence, recurrence_start, created_at, updated_at, version, ARRAY(SELECT category_id FROM task_categories
  WHERE user_id = tasks.user_id AND task_id = tasks.id ORDER BY category_id) AS category_ids`;
/** The service's `pageBounds`: LIMIT and OFFSET as sub-selects, so no plan depends on the page size. */
const page = (limit: string, offset?: string) =>
  `LIMIT (SELECT ${limit}::int)${offset ? ` OFFSET (SELECT ${offset}::int)` : ''}`;
const byCategory =
  'tasks.user_id = $1 AND tasks.id IN (SELECT task_id FROM task_categories WHERE user_id = $1 AND category_id = $2)';
/** The service's conditional update: one statement writes and tells a missing task from a stale version. */
const conditionalUpdate = (sets: string) => `WITH target AS (SELECT 1 FROM tasks WHERE id = $1 AND user_id = $2),
  changed AS (UPDATE tasks SET ${sets}, updated_at = now(), version = version + 1
               WHERE id = $1 AND user_id = $2 AND ($3::int[] IS NULL OR version = ANY ($3::int[]))
               RETURNING ${COLUMNS})
  SELECT EXISTS (SELECT 1 FROM target) AS found, changed.* FROM (VALUES (1)) AS one LEFT JOIN changed ON true`;
const COMPLETING = 'NOT completed AND COALESCE($4, true) AND recurrence IS NOT NULL';

const SQL = {
  list: `SELECT ${COLUMNS}, (SELECT count(*) FROM tasks WHERE tasks.user_id = $1) AS total FROM tasks
    WHERE tasks.user_id = $1 ORDER BY created_at DESC, id DESC ${page('$2', '$3')}`,
  listByCategory: `SELECT ${COLUMNS}, (SELECT count(*) FROM tasks WHERE ${byCategory}) AS total FROM tasks
    WHERE ${byCategory} ORDER BY created_at DESC, id DESC ${page('$3', '$4')}`,
  find: `SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`,
  last: 'SELECT position FROM tasks WHERE user_id = $1 ORDER BY position DESC LIMIT 1',
  insert: `INSERT INTO tasks (user_id, title, description, priority, due_date, completed, position, remind_at, recurrence, recurrence_start)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (user_id, position) DO NOTHING RETURNING ${COLUMNS}`,
  setCompleted: `WITH target AS (SELECT ${COMPLETING} AS recurring FROM tasks WHERE id = $1 AND user_id = $2),
    changed AS (UPDATE tasks SET completed = COALESCE($4, NOT completed), updated_at = now(), version = version + 1
                 WHERE id = $1 AND user_id = $2 AND ($3::int[] IS NULL OR version = ANY ($3::int[]))
                   AND NOT (${COMPLETING})
                 RETURNING ${COLUMNS})
    SELECT EXISTS (SELECT 1 FROM target) AS found, (SELECT recurring FROM target) AS recurring, changed.*
      FROM (VALUES (1)) AS one LEFT JOIN changed ON true`,
  writeLock: 'SELECT pg_advisory_xact_lock($1, hashtext($2))',
  lockMoved: 'SELECT version FROM tasks WHERE id = $1 AND user_id = $2 FOR UPDATE',
  firstOther: 'SELECT position FROM tasks WHERE user_id = $2 AND id <> $1 ORDER BY position LIMIT 1',
  setPosition: conditionalUpdate('position = $4'),
  head: 'SELECT seq::float8 AS seq, purged_seq::float8 AS purged_seq FROM user_changes WHERE user_id = $1',
  tasksSince: `SELECT ${COLUMNS}, change_seq::float8 AS change_seq FROM tasks
    WHERE user_id = $1 AND change_seq > $2 ORDER BY tasks.change_seq ${page('$3')}`,
  categoriesSince: `WITH c AS (SELECT id, user_id, name, color, created_at, updated_at, version, change_seq::float8 AS change_seq
      FROM categories WHERE user_id = $1 AND change_seq > $2 ORDER BY categories.change_seq ${page('$3')})
    SELECT c.*, coalesce(counts.task_count, 0) AS task_count, coalesce(counts.pending_count, 0) AS pending_count
      FROM c LEFT JOIN (
        SELECT tc.category_id, count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
          FROM task_categories tc JOIN tasks t ON t.user_id = tc.user_id AND t.id = tc.task_id
         WHERE tc.user_id = $1 AND tc.category_id IN (SELECT id FROM c)
         GROUP BY tc.category_id) AS counts ON counts.category_id = c.id
     ORDER BY c.change_seq`,
  tombstonesSince: `SELECT kind, id, change_seq::float8 AS change_seq FROM sync_tombstones
    WHERE user_id = $1 AND change_seq > $2 ORDER BY sync_tombstones.change_seq ${page('$3')}`,
  sessionRevokedAt: 'SELECT revoked_at FROM auth_sessions WHERE id = $1',
  announce: "SELECT set_config('synchronous_commit', 'off', true), announce_user_changes($1::text[])",
};

/** Runs one of SQL's statements, prepared under its key's name on each connection. */
async function rows<T extends QueryResultRow>(db: Pool | PoolClient, name: keyof typeof SQL, values: unknown[]) {
  return (await db.query<T>({ name, text: SQL[name], values })).rows;
}

async function transaction<T>(begin: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const pending = new Set<string>();
let announcing = false;

/** After a write commits: the user's newest stamp goes to the event streams, batched like the service's. */
function announce(userId: string): void {
  pending.add(userId);
  if (announcing) return;
  announcing = true;
  void (async () => {
    while (pending.size) {
      const users = [...pending];
      pending.clear();
      const started = performance.now();
      await rows(pool, 'announce', [users]).catch(() => undefined);
      const rest = 5 - (performance.now() - started);
      if (rest > 0) await sleep(rest);
    }
    announcing = false;
  })();
}

// --- Tokens --------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface Claims {
  sub: string;
  sid?: string;
  /** Until when the signature check holds: `exp`, or 60 s after the check. */
  until: number;
}
const verified = new LRUCache<string, Claims>({ max: 10_000 });
/** Sessions found live, and when. */
const liveSessions = new Map<string, number>();

async function check(token: string): Promise<Claims> {
  const [header, payload, signature] = token.split('.');
  if (signature === undefined) throw new HttpError(401, 'not a JWT');
  let claims: { exp?: unknown; sub?: unknown; sid?: unknown };
  if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg === 'HS256') {
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new HttpError(401, 'bad signature');
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
  } else {
    ({ payload: claims } = await jwtVerify(token, jwks, {
      algorithms: ['EdDSA'],
      issuer: env.BETTER_AUTH_ISSUER,
      audience: env.BETTER_AUTH_AUDIENCE,
    }).catch(() => {
      throw new HttpError(401, 'invalid token');
    }));
  }
  if (typeof claims.exp !== 'number' || typeof claims.sub !== 'string') throw new HttpError(401, 'bad claims');
  const until = Math.min(claims.exp * 1000, Date.now() + 60_000);
  return { sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, until };
}

/** The caller's user id; with `owner`, also that it is the path's. */
async function userOf(request: FastifyRequest, owner?: string): Promise<string> {
  const token = /^bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) throw new HttpError(401, 'missing token');
  let claims = verified.get(token);
  if (!claims || Date.now() >= claims.until) {
    claims = await check(token);
    if (Date.now() >= claims.until) throw new HttpError(401, 'expired');
    verified.set(token, claims);
  }
  const { sid } = claims;
  if (sid && Date.now() - (liveSessions.get(sid) ?? 0) >= 2_000) {
    const [session] = await rows<{ revoked_at: Date | null }>(pool, 'sessionRevokedAt', [sid]);
    if (!session || session.revoked_at) throw new HttpError(401, 'signed out');
    liveSessions.set(sid, Date.now());
  }
  if (owner !== undefined && claims.sub !== owner) throw new HttpError(403, 'not your tasks');
  return claims.sub;
}

function taskId(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) throw new HttpError(422, 'bad id');
  return Number(value);
}

// --- Response schemas: the API's shapes, in the service's property order --------------------------

const nullable = (type: string, format?: string) => ({ type: [type, 'null'], ...(format ? { format } : {}) });
const timestamp = { type: 'string', format: 'date-time' };
const ids = { type: 'array', items: { type: 'integer' } };
const TASK = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    user_id: { type: 'string' },
    title: { type: 'string' },
    description: nullable('string'),
    completed: { type: 'boolean' },
    priority: { type: 'string' },
    due_date: nullable('string', 'date-time'),
    position: { type: 'string' },
    remind_at: nullable('string', 'date-time'),
    reminded_at: nullable('string', 'date-time'),
    recurrence: nullable('string'),
    created_at: timestamp,
    updated_at: timestamp,
    category_ids: ids,
  },
};
const CATEGORY = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    color: { type: 'string' },
    task_count: { type: 'integer' },
    pending_count: { type: 'integer' },
    created_at: timestamp,
    updated_at: timestamp,
  },
};
const TASK_PAGE = {
  type: 'object',
  properties: {
    items: { type: 'array', items: TASK },
    total: { type: 'integer' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
};
const SYNC_PAGE = {
  type: 'object',
  properties: {
    tasks: { type: 'array', items: TASK },
    categories: { type: 'array', items: CATEGORY },
    deleted: { type: 'object', properties: { tasks: ids, categories: ids } },
    cursor: { type: 'string' },
    has_more: { type: 'boolean' },
  },
};
const answers = (status: number, body: object) => ({ schema: { response: { [status]: body } } });

// --- Routes --------------------------------------------------------------------------------------

interface TaskRow {
  id: number;
  version: number;
  position: string;
}
type Written = { found: boolean; recurring?: boolean | null } & ({ id: number; version: number } | { id: null });

interface TaskRoute {
  Params: { userId: string; id: string };
  Querystring: { limit?: string; offset?: string; category_id?: string };
  Body?: { title?: unknown; priority?: string; after_id?: unknown };
}

function sendTask(reply: FastifyReply, row: Written | TaskRow | undefined) {
  if (!row || row.id === null) throw new HttpError(404, 'Task not found');
  return reply.header('etag', `"${row.id}-${row.version}"`).send(row);
}

const app = Fastify({ bodyLimit: 64 * 1024 });

app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
  const status = error.statusCode ?? 500;
  void reply.status(status).type('application/problem+json').send({ status, detail: error.message });
});

app.get('/health', answers(200, { type: 'object', properties: { status: { type: 'string' } } }), () => ({
  status: 'ok',
}));

app.get<TaskRoute>('/api/:userId/tasks', answers(200, TASK_PAGE), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  const limit = Number(request.query.limit ?? 50);
  const offset = Number(request.query.offset ?? 0);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 100 && Number.isInteger(offset) && offset >= 0))
    throw new HttpError(422, 'bad page');
  const { category_id: category } = request.query;
  const items = await (category === undefined
    ? rows<TaskRow & { total: string }>(pool, 'list', [userId, limit, offset])
    : rows<TaskRow & { total: string }>(pool, 'listByCategory', [userId, taskId(category), limit, offset]));
  // Only a page past the end has no row to carry the total; the bench asks for none.
  if (!items.length && offset > 0) throw new HttpError(501, 'not in the yardstick');
  const total = items.length ? Number(items[0].total) : 0;
  // The service's weak ETag of a page: its total, bounds and each item's strong tag, hashed.
  const tags = JSON.stringify([total, limit, offset, items.map((task) => `"${task.id}-${task.version}"`)]);
  void reply.header('etag', `W/"${createHash('sha256').update(tags).digest('base64url')}"`);
  return { items, total, limit, offset };
});

app.get<TaskRoute>('/api/:userId/tasks/:id', answers(200, TASK), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  return sendTask(reply, (await rows<TaskRow>(pool, 'find', [taskId(request.params.id), userId]))[0]);
});

/** As the service's retry after losing a key to a concurrent create: four random base-62 digits, the last not 0. */
function retryFraction(): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const pick = (from: number) => digits[from + Math.floor(Math.random() * (62 - from))];
  return pick(0) + pick(0) + pick(0) + pick(1);
}

// A new task goes after the user's last key, without a lock: a concurrent create may take that key
// first, and the insert is then tried again with a random fraction added.
app.post<TaskRoute>('/api/:userId/tasks', answers(201, TASK), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  const title = typeof request.body?.title === 'string' ? request.body.title.trim() : '';
  if (!title || title.length > 255) throw new HttpError(422, 'bad title');
  const priority = request.body?.priority ?? 'medium';
  for (let attempt = 0; attempt < 50; attempt++) {
    const [last] = await rows<{ position: string }>(pool, 'last', [userId]);
    const position = generateKeyBetween(last?.position ?? null, null) + (attempt ? retryFraction() : '');
    const [row] = await rows<TaskRow>(pool, 'insert', [
      userId,
      title,
      null,
      priority,
      null,
      false,
      position,
      null,
      null,
      null,
    ]);
    if (row) {
      announce(userId);
      return sendTask(reply.status(201).header('location', `/api/${userId}/tasks/${row.id}`), row);
    }
  }
  throw new HttpError(503, 'too busy');
});

app.patch<TaskRoute>('/api/:userId/tasks/:id/complete', answers(200, TASK), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  const [row] = await rows<Written>(pool, 'setCompleted', [taskId(request.params.id), userId, null, null]);
  // A recurring task being completed advances under its row lock in the service; the bench has none.
  if (row.id === null && row.found) throw new HttpError(501, 'recurring tasks are not in the yardstick');
  if (row.id !== null) announce(userId);
  return sendTask(reply, row);
});

// A move to the top, as the service does it: a transaction under the user's write lock, the moved
// task locked, the first other task's key read, and the new key written.
app.post<TaskRoute>('/api/:userId/tasks/:id/move', answers(200, TASK), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  const id = taskId(request.params.id);
  if (request.body?.after_id !== null) throw new HttpError(501, 'only moves to the top are in the yardstick');
  const row = await transaction('BEGIN', async (client) => {
    await rows(client, 'writeLock', [1_164_300, userId]);
    if (!(await rows(client, 'lockMoved', [id, userId])).length) return undefined;
    const [first] = await rows<{ position: string }>(client, 'firstOther', [id, userId]);
    const position = generateKeyBetween(null, first?.position ?? null);
    return (await rows<Written>(client, 'setPosition', [id, userId, null, position]))[0];
  });
  if (row?.id) announce(userId);
  return sendTask(reply, row);
});

// GET /api/sync as the service reads it: one REPEATABLE READ snapshot with the user's head, the
// tasks and categories (with their counts) stamped after the cursor and the tombstones, merged by
// stamp into a page of at most 500.
const SYNC_PAGE_SIZE = 500;
interface Stamped {
  change_seq: number;
}
interface SyncPage {
  tasks: Stamped[];
  categories: Stamped[];
  deleted: { tasks: number[]; categories: number[] };
  cursor: string;
  has_more: boolean;
}

app.get<{ Querystring: { cursor?: string } }>('/api/sync', answers(200, SYNC_PAGE), async (request) => {
  const userId = await userOf(request);
  const match = /^v1\.(\d{1,15})(?:\.(\d{1,15}))?$/.exec(request.query.cursor ?? 'v1.0');
  if (!match) throw new HttpError(422, 'bad cursor');
  const after = Number(match[1]);
  const base = match[2] === undefined ? 0 : Number(match[2]);
  const values = [userId, after, SYNC_PAGE_SIZE + 1];
  const set = await transaction('BEGIN ISOLATION LEVEL REPEATABLE READ', async (client) => ({
    cursor: (await rows<{ seq: number; purged_seq: number }>(client, 'head', [userId]))[0],
    tasks: await rows<Stamped>(client, 'tasksSince', values),
    categories: await rows<Stamped>(client, 'categoriesSince', values),
    // The full state holds only live rows: a client starting from nothing has nothing to delete.
    tombstones: after ? await rows<Stamped & { kind: string; id: number }>(client, 'tombstonesSince', values) : [],
  }));
  const head = set.cursor?.seq ?? 0;
  const purged = set.cursor?.purged_seq ?? 0;
  if (after > head || (after > 0 && purged > Math.max(after, base))) throw new HttpError(410, 'cursor too old');
  const page: SyncPage = {
    tasks: [],
    categories: [],
    deleted: { tasks: [], categories: [] },
    cursor: '',
    has_more: false,
  };
  const entries = [
    ...set.tasks.map((row) => ({ seq: row.change_seq, add: () => page.tasks.push(row) })),
    ...set.categories.map((row) => ({ seq: row.change_seq, add: () => page.categories.push(row) })),
    ...set.tombstones.map((t) => ({
      seq: t.change_seq,
      add: () => (t.kind === 'tasks' ? page.deleted.tasks : page.deleted.categories).push(t.id),
    })),
  ].sort((a, b) => a.seq - b.seq);
  const included = entries.slice(0, SYNC_PAGE_SIZE);
  for (const entry of included) entry.add();
  page.has_more = entries.length > SYNC_PAGE_SIZE;
  const seq = page.has_more ? included[included.length - 1].seq : Math.max(head, after);
  const cursorBase = request.query.cursor === undefined ? head : base;
  page.cursor = cursorBase > seq ? `v1.${seq}.${cursorBase}` : `v1.${seq}`;
  return page;
});

app.listen({ port: Number(env.PORT), host: '127.0.0.1' }).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
process.once('SIGTERM', () => void app.close().then(() => pool.end()));
