import { ForbiddenException, HttpStatus, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { CategoriesService } from '../categories/categories.service.js';
import { type IfMatch, IfMatchPipe } from '../common/etag.js';
import { ExtendedProblemException, type FieldError, toProblem, ValidationFailedException } from '../common/problem.js';
import { StrictValidationPipe } from '../common/validation.pipe.js';
import { AfterCommit, isDeadlock, UserWrites } from '../database/user-writes.js';
import { ListsService } from '../lists/lists.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import {
  MAX_MUTATIONS_PER_PUSH,
  MUTATION_ARGS,
  type MutationDto,
  type MutationName,
  type PushRequestDto,
  type PushResponseDto,
  type PushResultDto,
  TEMP_PREFIX,
} from './dto/push.dto.js';
import { type MutationTransaction, type ObjectKind, PushRepository } from './push.repository.js';
import { formatCursor } from './sync-cursor.js';

/** Where each mutation's arguments may name an object by temp id, and of which kind. */
const REFERENCES: Record<MutationName, Record<string, ObjectKind>> = {
  'task.create': { list_id: 'lists', parent_id: 'tasks', category_ids: 'categories' },
  'task.update': { id: 'tasks', list_id: 'lists', parent_id: 'tasks', category_ids: 'categories' },
  'task.complete': { id: 'tasks' },
  'task.move': { id: 'tasks', after_id: 'tasks', before_id: 'tasks' },
  'task.delete': { id: 'tasks' },
  'category.create': {},
  'category.update': { id: 'categories' },
  'category.delete': { id: 'categories' },
  'list.create': {},
  'list.update': { id: 'lists' },
};

/** What each create makes. */
const CREATES: Partial<Record<MutationName, ObjectKind>> = {
  'task.create': 'tasks',
  'category.create': 'categories',
  'list.create': 'lists',
};

const SINGULAR: Record<ObjectKind, string> = { tasks: 'task', categories: 'category', lists: 'list' };

/** Tries of a mutation that PostgreSQL broke off as a deadlock (rolled back whole, so safe to run again). */
const DEADLOCK_ATTEMPTS = 3;

type Args = Record<string, unknown>;
type Handler = (userId: string, args: never, ifMatch?: IfMatch) => Promise<{ id: number } | void>;

interface Outcome {
  result: PushResultDto;
  /** The client's counter after the mutation. */
  counter: number;
  /** Whose changes to announce once it has committed. */
  users: Set<string>;
}

/**
 * POST /api/sync/push: a client's queued mutations, each applied exactly once and in order. A
 * dispatcher, not a second copy of the rules: each mutation's arguments are validated with its REST
 * route's DTO (by StrictValidationPipe, as the route's body is) and run by the same service method,
 * whose writes join the mutation's transaction (UserWrites.enclose). That transaction also advances
 * the client's counter, under the client row's lock, so a retry racing the original waits and then
 * finds the mutation done.
 */
@Injectable()
export class PushService {
  private readonly validation = new StrictValidationPipe();
  private readonly ifMatch = new IfMatchPipe();
  private readonly handlers: Record<MutationName, Handler>;

  constructor(
    private readonly clients: PushRepository,
    private readonly writes: UserWrites,
    private readonly afterCommit: AfterCommit,
    tasks: TasksService,
    categories: CategoriesService,
    lists: ListsService,
  ) {
    type A<N extends MutationName> = InstanceType<(typeof MUTATION_ARGS)[N]>;
    const handlers: { [N in MutationName]: (userId: string, args: A<N>, ifMatch?: IfMatch) => Promise<unknown> } = {
      'task.create': (user, args) => tasks.create(user, args),
      'task.update': (user, args, ifMatch) => tasks.update(user, args.id, args, ifMatch),
      'task.complete': (user, args, ifMatch) => tasks.complete(user, args.id, args.completed, ifMatch),
      'task.move': (user, args, ifMatch) => tasks.move(user, args.id, args, ifMatch),
      'task.delete': (user, args, ifMatch) => tasks.remove(user, args.id, ifMatch),
      'category.create': (user, args) => categories.create(user, args),
      'category.update': (user, args, ifMatch) => categories.update(user, args.id, args, ifMatch),
      'category.delete': (user, args, ifMatch) => categories.remove(user, args.id, ifMatch),
      'list.create': (user, args) => lists.create(user, args),
      'list.update': (user, args, ifMatch) => lists.update(user, args.id, args, ifMatch),
    };
    this.handlers = handlers as unknown as Record<MutationName, Handler>;
  }

  async push(userId: string, { client_id: clientId, mutations }: PushRequestDto): Promise<PushResponseDto> {
    if (mutations.length > MAX_MUTATIONS_PER_PUSH) {
      throw new PayloadTooLargeException(
        `A push carries at most ${MAX_MUTATIONS_PER_PUSH} mutations; send the rest in the next one`,
      );
    }
    if (mutations.some((mutation, i) => i > 0 && mutation.id !== mutations[i - 1].id + 1)) {
      throw new ValidationFailedException([
        { field: 'mutations', message: 'must have ids that ascend by one (consecutive, in order)' },
      ]);
    }
    let last = 0;
    if (mutations.length === 0) {
      const client = await this.clients.find(clientId);
      if (client && client.user_id !== userId) throw otherUsersClient();
      last = client?.last_mutation_id ?? 0;
    }
    const results: PushResultDto[] = [];
    for (const mutation of mutations) {
      const { result, users, counter } = await this.processWithRetry(userId, clientId, mutation);
      for (const user of users) this.afterCommit.announce(user);
      results.push(result);
      last = counter;
    }
    // The creates of this request that made an object (now, or as the duplicate's first run): not a
    // rejected one, even when its temp id names what an earlier create made.
    const creates = new Map(
      mutations
        .filter((m) => Object.hasOwn(CREATES, m.name) && typeof m.args.temp_id === 'string')
        .map((m) => [m.args.temp_id as string, m.id]),
    );
    const objects = creates.size ? await this.clients.resolve(clientId, [...creates.keys()]) : [];
    const seq = await this.clients.head(userId);
    return {
      results,
      last_mutation_id: last,
      id_map: Object.fromEntries(
        objects
          .filter((object) => creates.get(object.temp_id) === object.mutation_id)
          .map((object) => [object.temp_id, object.object_id]),
      ),
      cursor: formatCursor({ seq, base: 0 }),
    };
  }

  private async processWithRetry(userId: string, clientId: string, mutation: MutationDto): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.clients.inTransaction((tx) => this.process(tx, userId, clientId, mutation));
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
      }
    }
  }

  /** One mutation in its own transaction: skipped, applied, or rejected; the counter advances with it. */
  private async process(
    tx: MutationTransaction,
    userId: string,
    clientId: string,
    mutation: MutationDto,
  ): Promise<Outcome> {
    const last = await this.clients.claim(tx, clientId, userId);
    if (last === undefined) throw otherUsersClient();
    if (mutation.id <= last) {
      return { result: { id: mutation.id, status: 'duplicate' }, counter: last, users: new Set() };
    }
    if (mutation.id > last + 1) throw gap(last);
    await this.clients.savepoint(tx);
    let outcome: Outcome;
    try {
      const { result: created, users } = await this.writes.enclose(tx.db, () =>
        this.apply(tx, userId, clientId, mutation),
      );
      const kind = CREATES[mutation.name as MutationName];
      const tempId = mutation.args.temp_id;
      if (kind && typeof tempId === 'string' && created) {
        await this.clients.remember(tx, clientId, {
          temp_id: tempId,
          kind,
          object_id: created.id,
          mutation_id: mutation.id,
        });
      }
      outcome = { result: { id: mutation.id, status: 'applied' }, counter: mutation.id, users };
    } catch (error) {
      const problem = toProblem(error);
      // The database failed, not the mutation: the request ends (503), and this mutation is not counted.
      if (problem.status >= 500) throw error;
      await this.clients.rollbackToSavepoint(tx);
      outcome = {
        result: { id: mutation.id, status: 'rejected', error: problem },
        counter: mutation.id,
        users: new Set(),
      };
    }
    await this.clients.advance(tx, clientId, mutation.id);
    return outcome;
  }

  /** Validates the arguments as the REST route does its body, then runs the route's service method. */
  private async apply(
    tx: MutationTransaction,
    userId: string,
    clientId: string,
    { name, args }: MutationDto,
  ): Promise<{ id: number } | void> {
    if (!Object.hasOwn(MUTATION_ARGS, name)) {
      throw new ValidationFailedException(
        [{ field: 'name', message: `must be one of ${Object.keys(MUTATION_ARGS).join(', ')}` }],
        `Unknown mutation name: ${name}`,
      );
    }
    const known = name as MutationName;
    const resolved = await this.resolve(tx, clientId, known, args);
    const dto = (await this.validation.transform(resolved, {
      type: 'body',
      metatype: MUTATION_ARGS[known],
    })) as Args & { if_match?: string };
    const ifMatch = this.ifMatch.transform(dto.if_match);
    return this.handlers[known](userId, dto as never, ifMatch);
  }

  /**
   * The arguments with every `temp:<temp_id>` where an id goes replaced by the id that this client's
   * create of that temp id got. One naming nothing of the field's kind, or a create reusing a temp id,
   * is a 422 on that field.
   */
  private async resolve(tx: MutationTransaction, clientId: string, name: MutationName, args: Args): Promise<Args> {
    const resolved: Args = { ...args };
    const references: { field: string; kind: ObjectKind; tempId: string; set: (id: number) => void }[] = [];
    const collect = (field: string, kind: ObjectKind, value: unknown, set: (id: number) => void) => {
      if (typeof value === 'string' && value.startsWith(TEMP_PREFIX)) {
        references.push({ field, kind, tempId: value.slice(TEMP_PREFIX.length), set });
      }
    };
    for (const [field, kind] of Object.entries(REFERENCES[name])) {
      const value = resolved[field];
      if (Array.isArray(value)) {
        const items: unknown[] = [...(value as unknown[])];
        resolved[field] = items;
        items.forEach((item, i) => collect(field, kind, item, (id) => (items[i] = id)));
      } else {
        collect(field, kind, value, (id) => (resolved[field] = id));
      }
    }
    const ownTempId = CREATES[name] && typeof args.temp_id === 'string' ? args.temp_id : undefined;
    if (references.length === 0 && ownTempId === undefined) return resolved;

    const wanted = [...references.map((reference) => reference.tempId), ...(ownTempId ? [ownTempId] : [])];
    const known = new Map((await this.clients.resolve(clientId, wanted, tx)).map((o) => [o.temp_id, o]));
    const errors: FieldError[] = [];
    for (const reference of references) {
      const object = known.get(reference.tempId);
      if (object?.kind === reference.kind) reference.set(object.object_id);
      else if (!errors.some((error) => error.field === reference.field)) {
        errors.push({
          field: reference.field,
          message: `names no ${SINGULAR[reference.kind]} that this client created (${TEMP_PREFIX}${reference.tempId})`,
        });
      }
    }
    if (ownTempId !== undefined && known.has(ownTempId)) {
      errors.push({ field: 'temp_id', message: 'was already used by an earlier create of this client' });
    }
    if (errors.length) throw new ValidationFailedException(errors);
    return resolved;
  }
}

export function otherUsersClient(): ForbiddenException {
  return new ForbiddenException('This client_id belongs to another user: each installation makes its own');
}

function gap(last: number): ExtendedProblemException {
  const detail =
    last === 0
      ? 'This client_id has no mutations on record: it never pushed, or it was forgotten after SYNC_RETENTION_DAYS ' +
        'days without a push. Sync again without a cursor, then send the pending mutations numbered from 1'
      : `Mutations are missing: the next this client must send is ${last + 1}`;
  return new ExtendedProblemException(HttpStatus.CONFLICT, detail, { expected_id: last + 1 });
}
