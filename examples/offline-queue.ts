/**
 * Offline changes for a Next.js app: every change goes into a queue kept in IndexedDB, shows at once
 * in a local view, and is sent with POST /api/sync/push when the network allows
 * (docs/live-updates.md, "Offline changes: the rebase loop for a Next.js client").
 *
 * The local view is always the server's state (pulled with GET /api/sync) with the pending
 * mutations re-applied on top. A mutation leaves the queue in two steps: a push's answer says the
 * server processed it (it is not sent again), and a pull whose `last_mutation_id` covers it says
 * the pulled state shows it (it is not re-applied again). Between the two, the view would otherwise
 * lose the change for a moment.
 */
import type { components } from '../openapi/schema';
import { api, type List, type Problem, type Task } from './nextjs-client';
import { watchChanges, type SyncPage } from './live-updates';

type Schemas = components['schemas'];
type Category = Schemas['CategoryDto'];

/** One queued change: `{ id, name, args }`, a schema per name (task.create, task.update, ...). */
export type Mutation = Schemas['PushRequestDto']['mutations'][number];
export type MutationName = Mutation['name'];
export type MutationOf<N extends MutationName> = Extract<Mutation, { name: N }>;
export type MutationArgs<N extends MutationName> = MutationOf<N>['args'];

/** An object's id, or `temp:<temp_id>` for one this device created and the server may not know yet. */
export type Ref = number | `temp:${string}`;

/** A task as the UI shows it: the server's with pending changes applied, or one only this device has. */
export type LocalTask = Omit<Task, 'id' | 'list_id' | 'parent_id' | 'category_ids'> & {
  id: Ref;
  list_id: Ref | null;
  parent_id: Ref | null;
  category_ids: Ref[];
  /** A pending mutation touched it: show it as not saved yet. */
  pending: boolean;
};

/** A list or category as the UI shows it, like LocalTask: `temp:<temp_id>` until the server knows it. */
export type LocalList = Omit<List, 'id'> & { id: Ref; pending: boolean };
export type LocalCategory = Omit<Category, 'id'> & { id: Ref; pending: boolean };

export interface LocalView {
  tasks: LocalTask[];
  categories: LocalCategory[];
  lists: LocalList[];
  /** Mutations the server has not processed yet. */
  unsent: number;
}

export interface OfflineQueueOptions {
  /** The signed-in user: each user of the browser has a queue and a client_id of their own. */
  userId: string;
  onChange?: (view: LocalView) => void;
  /** A mutation the server refused by the REST route's rules (404, 403, 412, 422, 409): show it. */
  onRejected?: (mutation: Mutation, problem: Problem) => void;
  /** How often to try while nothing else triggers a flush (default 30 s). */
  flushEveryMs?: number;
}

/** What IndexedDB keeps under `meta`: the installation and what the server told it. */
interface ClientRecord {
  client_id: string;
  next_id: number;
  /** The server processed every mutation up to this id: never send them again. */
  acked: number;
  /** temp_id -> server id, from the pushes' `id_map`. */
  id_map: Record<string, number>;
}
interface ServerRecord {
  cursor?: string;
  tasks: Task[];
  categories: Category[];
  lists: List[];
}

/** At most this many mutations per request (the contract's limit: 413 beyond). */
const BATCH = 100;
const REF_FIELDS = ['id', 'list_id', 'parent_id', 'after_id', 'before_id'] as const;

/** The network is down or the API is (503): try again at the next trigger. */
class RetryLater extends Error {}

export class OfflineQueue {
  view: LocalView = { tasks: [], categories: [], lists: [], unsent: 0 };
  private client!: ClientRecord;
  private server: ServerRecord = { tasks: [], categories: [], lists: [] };
  private pending: Mutation[] = [];
  private flushing?: Promise<void>;
  private again = false;
  private readonly stop: (() => void)[] = [];

  private constructor(
    private readonly db: IDBDatabase,
    private readonly options: OfflineQueueOptions,
  ) {}

  /** Opens the user's queue (creating the client_id on first use) and starts flushing it. */
  static async open(options: OfflineQueueOptions): Promise<OfflineQueue> {
    const queue = new OfflineQueue(await openDatabase(`todo-offline-${options.userId}`), options);
    await queue.load();
    const flush = () => void queue.flush();
    window.addEventListener('online', flush);
    const timer = setInterval(flush, options.flushEveryMs ?? 30_000);
    queue.stop.push(
      watchChanges(flush),
      () => window.removeEventListener('online', flush),
      () => clearInterval(timer),
    );
    flush();
    return queue;
  }

  close(): void {
    this.stop.forEach((stop) => stop());
    this.db.close();
  }

  get clientId(): string {
    return this.client.client_id;
  }

  /** The server's id for a ref once a push has told it, else the ref itself. */
  resolve(ref: number | string): Ref {
    return (typeof ref === 'string' && this.client.id_map[ref.slice('temp:'.length)]) || (ref as Ref);
  }

  /** Queues a mutation under the next id of this client, in the same IndexedDB transaction. */
  async enqueue<N extends MutationName>(name: N, args: MutationArgs<N>): Promise<MutationOf<N>> {
    const mutation = await transact(this.db, async (meta, pending) => {
      const { next_id } = await this.updateClient(meta, (client) => ({ next_id: client.next_id + 1 }));
      const queued = { id: next_id - 1, name, args } as MutationOf<N>;
      pending.add(queued);
      return queued;
    });
    // A flush's load() that ran after the transaction already holds it.
    if (!this.pending.some((m) => m.id === mutation.id)) this.pending.push(mutation);
    this.render();
    void this.flush();
    return mutation;
  }

  /** Creates a task now; the returned ref names it in later mutations, before the server knows it. */
  async createTask(task: Omit<MutationArgs<'task.create'>, 'temp_id'>): Promise<Ref> {
    const temp_id = crypto.randomUUID();
    await this.enqueue('task.create', { ...task, temp_id });
    return `temp:${temp_id}`;
  }

  updateTask(id: Ref, changes: Omit<MutationArgs<'task.update'>, 'id'>): Promise<MutationOf<'task.update'>> {
    return this.enqueue('task.update', { ...changes, id });
  }

  /** Sets `completed`, or toggles it when left out (a toggle sent twice would undo itself). */
  completeTask(id: Ref, completed?: boolean): Promise<MutationOf<'task.complete'>> {
    return this.enqueue('task.complete', completed === undefined ? { id } : { id, completed });
  }

  deleteTask(id: Ref): Promise<MutationOf<'task.delete'>> {
    return this.enqueue('task.delete', { id });
  }

  /**
   * Pushes what is unsent, then pulls and rebases. Tabs of one browser share the queue, so a flush
   * holds a lock across them and starts from what IndexedDB holds, not from this tab's copy.
   */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    const once = async () => {
      await this.load();
      while (await this.pushBatch());
      await this.pull();
    };
    const run = async () => {
      do {
        this.again = false;
        if (!navigator.onLine) return; // the `online` event flushes
        try {
          await navigator.locks.request(`todo-offline-${this.options.userId}`, once);
        } catch (error) {
          if (error instanceof RetryLater) return;
          throw error;
        }
      } while (this.again);
    };
    this.flushing = run().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Reads the queue and what is known of the server from IndexedDB (the first time: creates the client_id). */
  private async load(): Promise<void> {
    await transact(this.db, async (meta, pending) => {
      const client = (await request(meta.get('client'))) as ClientRecord | undefined;
      this.client = client ?? { client_id: crypto.randomUUID(), next_id: 1, acked: 0, id_map: {} };
      if (!client) meta.put(this.client, 'client');
      this.server = ((await request(meta.get('server'))) as ServerRecord | undefined) ?? this.server;
      this.pending = (await request(pending.getAll())) as Mutation[];
    });
    this.render();
  }

  /** Changes the stored client record inside `meta`'s transaction: another tab may have changed it. */
  private async updateClient(
    meta: IDBObjectStore,
    change: (client: ClientRecord) => Partial<ClientRecord>,
  ): Promise<ClientRecord> {
    const client = (await request(meta.get('client'))) as ClientRecord;
    this.client = { ...client, ...change(client) };
    meta.put(this.client, 'client');
    return this.client;
  }

  /** Sends the next batch of unsent mutations; true when there may be more to send. */
  private async pushBatch(): Promise<boolean> {
    const { client_id, acked } = this.client;
    const batch = this.pending.filter((m) => m.id > acked).slice(0, BATCH);
    if (batch.length === 0) return false;
    const answer = await reach(() => api.POST('/api/sync/push', { body: { client_id, mutations: batch } }));
    if (answer.response.status === 409) {
      // A gap (PushGapProblem): the server names the id it expects next.
      await this.renumber((answer.error as Schemas['PushGapProblem']).expected_id);
      return true;
    }
    const pushed = answer.data;
    if (!pushed) throw new RetryLater(`POST /api/sync/push answered ${answer.response.status}`);
    const rejected = pushed.results.filter((r) => r.status === 'rejected');
    await transact(this.db, async (meta, pending) => {
      // A rejected mutation changed nothing: re-applying it until the next pull would show a lie.
      rejected.forEach((r) => pending.delete(r.id));
      await this.updateClient(meta, (client) => ({
        acked: pushed.last_mutation_id,
        id_map: { ...client.id_map, ...pushed.id_map },
      }));
    });
    for (const { id, error } of rejected) {
      const mutation = this.pending.find((m) => m.id === id);
      if (mutation && error) this.options.onRejected?.(mutation, error);
    }
    this.pending = this.pending.filter((m) => !rejected.some((r) => r.id === m.id));
    this.render();
    return batch.length === BATCH;
  }

  /**
   * 409: the server expects `expectedId` next. With 1, it does not know this client_id (never
   * pushed, or forgotten after SYNC_RETENTION_DAYS): what it had processed stays applied, so
   * renumber the unsent mutations from 1, name the objects whose creates it already ran by their
   * ids (it forgot their temp ids too), and pull the full state again.
   */
  private async renumber(expectedId: number): Promise<void> {
    const forgotten = expectedId === 1;
    await transact(this.db, async (meta, pending) => {
      const { acked, id_map } = this.client;
      const unsent = ((await request(pending.getAll())) as Mutation[]).filter((m) => m.id > acked);
      this.pending = unsent.map(
        (m, i) => ({ ...m, id: expectedId + i, args: forgotten ? withIds(m.args, id_map) : m.args }) as Mutation,
      );
      pending.clear();
      this.pending.forEach((m) => pending.add(m));
      await this.updateClient(meta, () => ({ next_id: expectedId + unsent.length, acked: expectedId - 1 }));
      if (forgotten) meta.put((this.server = { tasks: [], categories: [], lists: [] }), 'server');
    });
  }

  /**
   * The rebase: pull every page, then drop the mutations the pulled state already reflects (id <=
   * the last page's `last_mutation_id`, read in the same snapshot as that page) and re-apply the
   * rest on top. Only the last page counts: an earlier one's changes stop short of its snapshot.
   */
  private async pull(): Promise<void> {
    let lastMutationId = 0;
    for (;;) {
      const { cursor } = this.server;
      const { data: page, response } = await reach(() =>
        api.GET('/api/sync', { params: { query: { client_id: this.client.client_id, ...(cursor && { cursor }) } } }),
      );
      if (response.status === 410) {
        this.server = { tasks: [], categories: [], lists: [] };
        continue;
      }
      if (!page) throw new RetryLater(`GET /api/sync answered ${response.status}`);
      this.server = applyPage(this.server, page);
      lastMutationId = page.last_mutation_id ?? 0;
      if (!page.has_more) break;
    }
    await transact(this.db, (meta, pending) => {
      pending.delete(IDBKeyRange.upperBound(lastMutationId));
      meta.put(this.server, 'server');
    });
    this.pending = this.pending.filter((m) => m.id > lastMutationId);
    this.render();
  }

  private render(): void {
    const byId = <T extends { id: number }>(rows: T[]) =>
      new Map<Ref, Omit<T, 'id'> & { id: Ref; pending: boolean }>(
        rows.map((row) => [row.id, { ...row, pending: false }]),
      );
    const local: Local = {
      tasks: byId(this.server.tasks),
      lists: byId(this.server.lists),
      categories: byId(this.server.categories),
      userId: this.options.userId,
    };
    for (const mutation of this.pending) applyOptimistically(local, mutation, this);
    const unsent = this.pending.filter((m) => m.id > this.client.acked).length;
    const [tasks, lists, categories] = [
      [...local.tasks.values()],
      [...local.lists.values()],
      [...local.categories.values()],
    ];
    this.view = { tasks, categories, lists, unsent };
    this.options.onChange?.(this.view);
  }
}

/** The local view being built: the server's rows by id, pending mutations applied in order. */
interface Local {
  tasks: Map<Ref, LocalTask>;
  lists: Map<Ref, LocalList>;
  categories: Map<Ref, LocalCategory>;
  userId: string;
}

/** What a mutation does to the local copy until the server's answer replaces it. */
function applyOptimistically(local: Local, mutation: Mutation, queue: OfflineQueue): void {
  const { tasks, lists, categories } = local;
  const refs = <T extends Partial<Record<'list_id' | 'parent_id' | 'category_ids', unknown>>>(fields: T) => ({
    ...fields,
    ...(fields.list_id !== undefined && { list_id: queue.resolve(fields.list_id as Ref) }),
    ...(fields.parent_id != null && { parent_id: queue.resolve(fields.parent_id as Ref) }),
    ...(Array.isArray(fields.category_ids) && {
      category_ids: (fields.category_ids as Ref[]).map((ref) => queue.resolve(ref)),
    }),
  });
  const ref = 'id' in mutation.args ? queue.resolve(mutation.args.id) : undefined;
  const task = ref === undefined ? undefined : tasks.get(ref);
  const now = new Date().toISOString();
  switch (mutation.name) {
    case 'task.create': {
      const { temp_id, ...fields } = mutation.args;
      const id = queue.resolve(`temp:${temp_id}`);
      tasks.set(id, { ...draftTask(id), ...refs(fields) });
      return;
    }
    case 'task.update': {
      const { id: _id, if_match: _ifMatch, ...fields } = mutation.args;
      if (task) tasks.set(task.id, { ...task, ...refs(fields), pending: true });
      return;
    }
    case 'task.complete':
      if (task) tasks.set(task.id, { ...task, completed: mutation.args.completed ?? !task.completed, pending: true });
      return;
    case 'task.delete':
      if (task) deleteWithSubtasks(tasks, task.id);
      return;
    case 'list.create': {
      const { temp_id, name, color } = mutation.args;
      const id = queue.resolve(`temp:${temp_id ?? `mutation-${mutation.id}`}`);
      lists.set(id, {
        id,
        name: name.trim(),
        color: color ?? '#3b82f6',
        role: 'owner',
        is_inbox: false,
        owner_id: local.userId,
        position: '\uffff', // last, until the server places it
        member_count: 1,
        task_count: 0,
        pending_count: 0,
        created_at: now,
        updated_at: now,
        pending: true,
      });
      return;
    }
    case 'category.create': {
      const { temp_id, name, color } = mutation.args;
      const id = queue.resolve(`temp:${temp_id ?? `mutation-${mutation.id}`}`);
      const draft = { id, task_count: 0, pending_count: 0, created_at: now, updated_at: now, pending: true };
      categories.set(id, { ...draft, name: name.trim(), color: color ?? '#3b82f6' });
      return;
    }
    case 'list.update':
    case 'category.update': {
      const { id: _id, if_match: _ifMatch, ...fields } = mutation.args;
      const rows: Map<Ref, LocalList | LocalCategory> = mutation.name === 'list.update' ? lists : categories;
      const row = ref === undefined ? undefined : rows.get(ref);
      if (row) rows.set(row.id, { ...row, ...fields, ...(fields.name && { name: fields.name.trim() }), pending: true });
      return;
    }
    case 'category.delete':
      if (ref === undefined || !categories.delete(ref)) return;
      // As the server does: the category comes off every task that had it.
      for (const t of tasks.values())
        if (t.category_ids.includes(ref))
          tasks.set(t.id, { ...t, category_ids: t.category_ids.filter((c) => c !== ref) });
      return;
    default:
      // Order (task.move): shown once the server has it.
      return;
  }
}

function draftTask(id: Ref): LocalTask {
  const now = new Date().toISOString();
  return {
    id,
    title: '',
    description: null,
    completed: false,
    priority: 'medium',
    due_date: null,
    remind_at: null,
    reminded_at: null,
    recurrence: null,
    list_id: null,
    parent_id: null,
    category_ids: [],
    assignee_id: null,
    position: '\uffff', // last, until the server places it
    subtask_count: 0,
    pending_subtask_count: 0,
    user_id: '',
    created_by: null,
    created_at: now,
    updated_at: now,
    pending: true,
  };
}

function deleteWithSubtasks(tasks: Map<Ref, LocalTask>, id: Ref): void {
  tasks.delete(id);
  for (const task of tasks.values()) if (task.parent_id === id) deleteWithSubtasks(tasks, task.id);
}

/** A sync page upserted into the server state, with what it says is gone removed. */
function applyPage(state: ServerRecord, page: SyncPage): ServerRecord {
  const merge = <T extends { id: number }>(held: T[], changed: T[], gone: number[]) => {
    const byId = new Map(held.map((row) => [row.id, row]));
    changed.forEach((row) => byId.set(row.id, row));
    gone.forEach((id) => byId.delete(id));
    return [...byId.values()];
  };
  const lostLists = new Set(page.deleted.lists);
  return {
    cursor: page.cursor,
    tasks: merge(state.tasks, page.tasks, page.deleted.tasks).filter((task) => !lostLists.has(task.list_id)),
    categories: merge(state.categories, page.categories, page.deleted.categories),
    lists: merge(state.lists, page.lists, page.deleted.lists),
  };
}

/** A forgotten client's args, with temp refs the server had resolved before replaced by their ids. */
function withIds<A extends object>(args: A, idMap: Record<string, number>): A {
  const known = (ref: unknown) => (typeof ref === 'string' && idMap[ref.slice('temp:'.length)]) || ref;
  const copy = { ...args } as Record<string, unknown>;
  for (const field of REF_FIELDS) if (field in copy) copy[field] = known(copy[field]);
  if (Array.isArray(copy.category_ids)) copy.category_ids = copy.category_ids.map(known);
  return copy as A;
}

/** A call through the typed client; the network failing (or the token call with it) or a 503 is RetryLater. */
async function reach<T extends { response: Response }>(send: () => Promise<T>): Promise<T> {
  let answer: T;
  try {
    answer = await send();
  } catch (error) {
    throw new RetryLater('The API cannot be reached', { cause: error });
  }
  if (answer.response.status === 503) throw new RetryLater('The API is unavailable');
  return answer;
}

function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('meta');
      open.result.createObjectStore('pending', { keyPath: 'id' });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error(`Cannot open IndexedDB ${name}`));
  });
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Runs `body` in one read-write transaction over both stores; resolves once it has committed. */
async function transact<T>(
  db: IDBDatabase,
  body: (meta: IDBObjectStore, pending: IDBObjectStore) => T | Promise<T>,
): Promise<T> {
  const tx = db.transaction(['meta', 'pending'], 'readwrite');
  const committed = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
  try {
    const result = await body(tx.objectStore('meta'), tx.objectStore('pending'));
    await committed;
    return result;
  } catch (error) {
    committed.catch(() => undefined);
    try {
      tx.abort();
    } catch {
      // Already committed or aborted.
    }
    throw error;
  }
}
