/**
 * The yardstick: what a careful engineer would write by hand with Fastify and pg for the bench's hot
 * routes, on the same tables, doing the service's work and no more. No Nest, class-validator,
 * TypeORM, helmet, CORS, logs or metrics. Run as a child process by bench/main.ts and stages.ts.
 *
 * - SQL: the service's statement texts (raw-sql.ts, copied from tasks.repository.ts,
 *   task-order.repository.ts, categories.repository.ts, sync.repository.ts, user-writes.ts, with
 *   list-access.ts's scoping), each sent as a named prepared statement, so PostgreSQL parses and
 *   plans it once per connection.
 * - Writes are announced after commit as the service's ChangeAnnouncer does: at most one call in
 *   flight, calls at least 5 ms apart, the users of the writes meanwhile batched into the next.
 * - Tokens: HS256 with node:crypto against the shared secret, EdDSA with jose against the JWKS; a
 *   checked signature is remembered until `exp` or for 60 s, and a session's revocation is looked
 *   up at most every 2 s, as the service does. Then ownership.
 * - Push: POST /api/sync/push for task.create (what the bench sends), with the service's statements.
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
import { SQL } from './raw-sql.js';
import { useFastTimestamps } from '../src/database/timestamps.js';

const env = process.env as Record<string, string>;
const secret = createSecretKey(Buffer.from(env.BETTER_AUTH_SECRET));
const jwks = createRemoteJWKSet(new URL(env.BETTER_AUTH_JWKS_URL));
// timestamptz parsed as the service parses it (database/timestamps.ts).
useFastTimestamps();
// Generic plans, as the service's direct connections use (database/connection-mode.ts).
const pool = new Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DB_POOL_SIZE || 10),
  options: '-c plan_cache_mode=force_generic_plan',
});

// --- SQL: the service's texts (raw-sql.ts), prepared by name -----------------------------------

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
    list_id: { type: 'integer' },
    created_by: nullable('string'),
    assignee_id: nullable('string'),
    parent_id: nullable('integer'),
    subtask_count: { type: 'integer' },
    pending_subtask_count: { type: 'integer' },
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
const LIST = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    color: { type: 'string' },
    owner_id: { type: 'string' },
    role: { type: 'string' },
    is_inbox: { type: 'boolean' },
    position: { type: 'string' },
    member_count: { type: 'integer' },
    task_count: { type: 'integer' },
    pending_count: { type: 'integer' },
    created_at: timestamp,
    updated_at: timestamp,
  },
};
const SYNC_PAGE = {
  type: 'object',
  properties: {
    tasks: { type: 'array', items: TASK },
    categories: { type: 'array', items: CATEGORY },
    lists: { type: 'array', items: LIST },
    deleted: { type: 'object', properties: { tasks: ids, categories: ids, lists: ids } },
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
type Written = { found: boolean; allowed: boolean; under_lock?: boolean | null } & (
  { id: number; version: number } | { id: null }
);

interface TaskRoute {
  Params: { userId: string; id: string };
  Querystring: { limit?: string; offset?: string; category_id?: string; list_id?: string };
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

// A page of the tasks the caller reads (the lists they own and those shared with them), newest
// first, on both route families: `/api/tasks` (the token's user) and `/api/{userId}/tasks`.
async function listTasks(request: FastifyRequest<TaskRoute>, reply: FastifyReply) {
  const userId = await userOf(request, request.params.userId);
  const limit = Number(request.query.limit ?? 50);
  const offset = Number(request.query.offset ?? 0);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 100 && Number.isInteger(offset) && offset >= 0))
    throw new HttpError(422, 'bad page');
  const { category_id: category, list_id: list } = request.query;
  if (category !== undefined && list !== undefined) throw new HttpError(501, 'not in the yardstick');
  const items = await (category !== undefined
    ? rows<TaskRow & { total: string }>(pool, 'listByCategory', [userId, taskId(category), limit, offset])
    : list !== undefined
      ? rows<TaskRow & { total: string }>(pool, 'listInList', [userId, taskId(list), limit, offset])
      : rows<TaskRow & { total: string }>(pool, 'list', [userId, limit, offset]));
  // Only a page past the end has no row to carry the total; the bench asks for none.
  if (!items.length && offset > 0) throw new HttpError(501, 'not in the yardstick');
  const total = items.length ? Number(items[0].total) : 0;
  // The service's weak ETag of a page: its total, bounds and each item's strong tag, hashed.
  const tags = JSON.stringify([total, limit, offset, items.map((task) => `"${task.id}-${task.version}"`)]);
  void reply.header('etag', `W/"${createHash('sha256').update(tags).digest('base64url')}"`);
  return { items, total, limit, offset };
}
app.get<TaskRoute>('/api/tasks', answers(200, TASK_PAGE), listTasks);
app.get<TaskRoute>('/api/:userId/tasks', answers(200, TASK_PAGE), listTasks);

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

/** A create's body as the service's CreateTaskDto takes the bench's (a title and a priority); else a 422. */
function newTask(body: { title?: unknown; priority?: unknown } | undefined): { title: string; priority: string } {
  const title = typeof body?.title === 'string' ? body.title.trim() : '';
  if (!title || title.length > 255) throw new HttpError(422, 'bad title');
  const priority = body?.priority ?? 'medium';
  if (priority !== 'low' && priority !== 'medium' && priority !== 'high') throw new HttpError(422, 'bad priority');
  return { title, priority };
}

// A new task goes after the last key of the user's inbox, without a lock: a concurrent create may take that key
// first, and the insert is then tried again with a random fraction added.
async function insertInInbox(db: Pool | PoolClient, userId: string, task: { title: string; priority: string }) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [last] = await rows<{ position: string }>(db, 'lastInInbox', [userId]);
    const position = generateKeyBetween(last?.position ?? null, null) + (attempt ? retryFraction() : '');
    const [row] = await rows<TaskRow>(db, 'insertInInbox', [
      userId,
      task.title,
      null,
      task.priority,
      null,
      false,
      position,
      null,
      null,
      null,
      null,
    ]);
    if (row) return row;
  }
  throw new HttpError(503, 'too busy');
}

app.post<TaskRoute>('/api/:userId/tasks', answers(201, TASK), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  const row = await insertInInbox(pool, userId, newTask(request.body));
  announce(userId);
  return sendTask(reply.status(201).header('location', `/api/${userId}/tasks/${row.id}`), row);
});

app.patch<TaskRoute>('/api/:userId/tasks/:id/complete', answers(200, TASK), async (request, reply) => {
  const userId = await userOf(request, request.params.userId);
  const id = taskId(request.params.id);
  const [row] = await rows<TaskRow>(pool, 'setCompleted', [id, userId, null, null]);
  if (!row) {
    // Why not, as the service asks it. A recurring task, or one with open subtasks, being completed
    // is done under its row lock in the service; the bench has none.
    const [now] = await rows<{ allowed: boolean }>(pool, 'whyNotCompleted', [id, userId, null]);
    if (!now) throw new HttpError(404, 'Task not found');
    if (!now.allowed) throw new HttpError(403, 'viewers may only read');
    throw new HttpError(501, 'completing under the row lock is not in the yardstick');
  }
  announce(userId);
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
    const [moved] = await rows<{ allowed: boolean; list_id: number; parent_id: number | null }>(client, 'lockMoved', [
      id,
      userId,
    ]);
    if (!moved) return undefined;
    if (!moved.allowed) throw new HttpError(403, 'viewers may only read');
    const [first] =
      moved.parent_id === null
        ? await rows<{ position: string }>(client, 'firstOtherAtTop', [id, moved.list_id])
        : await rows<{ position: string }>(client, 'firstOtherChild', [id, moved.parent_id]);
    const position = generateKeyBetween(null, first?.position ?? null);
    return (await rows<Written>(client, 'setPosition', [id, userId, null, position]))[0];
  });
  if (row?.id) announce(userId);
  return sendTask(reply, row);
});

// GET /api/sync as the service reads it: one REPEATABLE READ snapshot with the user's head, the
// tasks stamped after the cursor (their own lists' by the row's stamp, shared lists' by the user's
// member_changes), the categories (with their counts) and the tombstones; each row once, at its
// newest stamp, merged by stamp into a page of at most 500.
const SYNC_PAGE_SIZE = 500;
interface Stamped {
  id: number;
  change_seq: number;
  list_id?: number;
}
interface SyncPage {
  tasks: Stamped[];
  categories: Stamped[];
  lists: Stamped[];
  deleted: { tasks: number[]; categories: number[]; lists: number[] };
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
  const set = await transaction('BEGIN ISOLATION LEVEL REPEATABLE READ', async (client) => {
    const cursor = (await rows<{ seq: number; purged_seq: number }>(client, 'head', [userId]))[0];
    return {
      cursor,
      tasks: await rows<Stamped>(client, 'tasksSince', values),
      categories: await rows<Stamped>(client, 'categoriesSince', values),
      lists: await rows<Stamped>(client, 'listsSince', values),
      // The full state holds only live rows: a client starting from nothing has nothing to delete.
      tombstones: after ? await rows<Stamped & { kind: string }>(client, 'tombstonesSince', values) : [],
    };
  });
  const head = set.cursor?.seq ?? 0;
  const purged = set.cursor?.purged_seq ?? 0;
  if (after > head || (after > 0 && purged > Math.max(after, base))) throw new HttpError(410, 'cursor too old');
  const page: SyncPage = {
    tasks: [],
    categories: [],
    lists: [],
    deleted: { tasks: [], categories: [], lists: [] },
    cursor: '',
    has_more: false,
  };
  type Entry = { seq: number; list?: number; drops?: number; add: () => void };
  const newest = new Map<string, Entry>();
  const keep = (key: string, entry: Entry) => {
    const seen = newest.get(key);
    if (!seen || seen.seq < entry.seq) newest.set(key, entry);
  };
  for (const row of set.tasks)
    keep(`tasks:${row.id}`, { seq: row.change_seq, list: row.list_id, add: () => page.tasks.push(row) });
  for (const row of set.categories)
    keep(`categories:${row.id}`, { seq: row.change_seq, add: () => page.categories.push(row) });
  for (const row of set.lists)
    keep(`lists:${row.id}`, { seq: row.change_seq, list: row.id, add: () => page.lists.push(row) });
  const lost: Entry[] = [];
  for (const t of set.tombstones) {
    const deleted = page.deleted[t.kind as keyof SyncPage['deleted']] as number[] | undefined;
    const entry: Entry = {
      seq: t.change_seq,
      drops: t.kind === 'lists' ? t.id : undefined,
      add: () => deleted?.push(t.id),
    };
    keep(`${t.kind}:${t.id}`, entry);
    if (entry.drops !== undefined && newest.get(`${t.kind}:${t.id}`) !== entry) lost.push(entry);
  }
  const entries = [...newest.values(), ...lost].sort((a, b) => a.seq - b.seq);
  // The page ends before anything of a list whose loss it carries.
  const dropped = new Set<number>();
  let end = Math.min(entries.length, SYNC_PAGE_SIZE);
  for (let i = 0; i < end; i++) {
    const { list, drops } = entries[i];
    if (list !== undefined && dropped.has(list)) end = i;
    else if (drops !== undefined) dropped.add(drops);
  }
  const included = entries.slice(0, end);
  for (const entry of included) entry.add();
  page.has_more = entries.length > end;
  const seq = page.has_more ? included[included.length - 1].seq : Math.max(head, after);
  const cursorBase = request.query.cursor === undefined ? head : base;
  page.cursor = cursorBase > seq ? `v1.${seq}.${cursorBase}` : `v1.${seq}`;
  return page;
});

// POST /api/sync/push as the service runs it (push.service.ts), for task.create, the mutation the
// bench sends: each mutation in a transaction of its own that locks (or makes) the client's row,
// takes a savepoint, inserts as the REST create does, remembers a temp id, advances the counter,
// and is announced once committed; then the temp ids' map and the user's head for the cursor.
interface PushBody {
  client_id?: unknown;
  mutations?: { id?: unknown; name?: unknown; args?: { temp_id?: unknown; title?: unknown; priority?: unknown } }[];
}
type PushResult = {
  id: number;
  status: 'applied' | 'duplicate' | 'rejected';
  error?: { status: number; detail: string };
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PUSH_RESPONSE = {
  type: 'object',
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          status: { type: 'string' },
          error: { type: 'object', properties: { status: { type: 'integer' }, detail: { type: 'string' } } },
        },
      },
    },
    last_mutation_id: { type: 'integer' },
    id_map: { type: 'object', additionalProperties: { type: 'integer' } },
    cursor: { type: 'string' },
  },
};

app.post<{ Body: PushBody }>(
  '/api/sync/push',
  { bodyLimit: 1024 * 1024, ...answers(200, PUSH_RESPONSE) },
  async (request) => {
    const userId = await userOf(request);
    const { client_id: clientId, mutations } = request.body ?? {};
    if (typeof clientId !== 'string' || !UUID.test(clientId) || !Array.isArray(mutations))
      throw new HttpError(422, 'bad push');
    if (mutations.length > 100) throw new HttpError(413, 'at most 100 mutations');
    mutations.forEach((m, i) => {
      if (!Number.isSafeInteger(m.id) || (m.id as number) < 1) throw new HttpError(422, 'bad mutation id');
      if (i > 0 && m.id !== (mutations[i - 1].id as number) + 1) throw new HttpError(422, 'ids must ascend by one');
      if (m.name !== 'task.create') throw new HttpError(501, 'only task.create is in the yardstick');
    });
    if (mutations.length === 0) throw new HttpError(501, 'an empty push is not in the yardstick');
    const results: PushResult[] = [];
    let last = 0;
    for (const mutation of mutations) {
      const id = mutation.id as number;
      const result = await transaction('BEGIN', async (client): Promise<PushResult> => {
        const [claimed] = await rows<{ last_mutation_id: number }>(client, 'claimClient', [clientId, userId]);
        if (!claimed) throw new HttpError(403, "another user's client");
        last = claimed.last_mutation_id;
        if (id <= last) return { id, status: 'duplicate' };
        if (id > last + 1) throw new HttpError(409, `expected ${last + 1}`);
        await client.query('SAVEPOINT mutation');
        let outcome: PushResult;
        try {
          const tempId = mutation.args?.temp_id;
          if (typeof tempId === 'string') {
            const known = await rows(client, 'resolveObjects', [clientId, [tempId]]);
            if (known.length) throw new HttpError(422, 'temp id already used');
          }
          const row = await insertInInbox(client, userId, newTask(mutation.args));
          if (typeof tempId === 'string') await rows(client, 'rememberObject', [clientId, tempId, 'tasks', row.id, id]);
          outcome = { id, status: 'applied' };
        } catch (error) {
          if (!(error instanceof HttpError) || error.statusCode >= 500) throw error;
          await client.query('ROLLBACK TO SAVEPOINT mutation');
          outcome = { id, status: 'rejected', error: { status: error.statusCode, detail: error.message } };
        }
        await rows(client, 'advanceClient', [clientId, id]);
        last = id;
        return outcome;
      });
      if (result.status === 'applied') announce(userId);
      results.push(result);
    }
    const tempIds = mutations.flatMap((m) => (typeof m.args?.temp_id === 'string' ? [m.args.temp_id] : []));
    const objects = tempIds.length
      ? await rows<{ temp_id: string; object_id: number }>(pool, 'resolveObjects', [clientId, tempIds])
      : [];
    const [head] = await rows<{ seq: number }>(pool, 'pushHead', [userId]);
    return {
      results,
      last_mutation_id: last,
      id_map: Object.fromEntries(objects.map((o) => [o.temp_id, o.object_id])),
      cursor: `v1.${head?.seq ?? 0}`,
    };
  },
);

app.listen({ port: Number(env.PORT), host: '127.0.0.1' }).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
process.once('SIGTERM', () => void app.close().then(() => pool.end()));
