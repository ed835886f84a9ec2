import { Injectable } from '@nestjs/common';
import { type IfMatch, ifMatchTarget } from '../common/etag.js';
import { accepted, anyVersion, type ConditionalWrite, notWritten, type Target } from '../database/conditional-write.js';
import { ValidationFailedException } from '../common/problem.js';
import { changesNothing, VersionedResource } from '../common/versioned-resource.js';
import { type UserTransaction, type UserWrite, UserWrites } from '../database/user-writes.js';
import { forbidden } from '../lists/list-access.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { MoveTaskDto } from './dto/move-task.dto.js';
import { TaskPageDto, toTaskDto, type VersionedTask } from './dto/task.dto.js';
import { UpdateTaskDto } from './dto/update-task.dto.js';
import { parseTimestamp } from './is-timestamp.decorator.js';
import { toTaskFilter } from './task-filter.js';
import { TaskOrderService } from './task-order.service.js';
import { TaskRecurrenceService } from './task-recurrence.service.js';
import {
  type Placement,
  type TaskChanges,
  type TaskRow,
  type TaskSortField,
  TasksRepository,
} from './tasks.repository.js';

export const TASK = new VersionedResource('task');

/** A task, its subtasks, theirs, and one more. */
export const MAX_DEPTH = 4;

/** Idempotency-Key's scope for creating a task. */
const CREATE_SCOPE = 'POST /api/tasks';

/**
 * Task rules: defaults, If-Match, Idempotency-Key, lists and subtasks, and what a missing or changed
 * task answers. The SQL is TasksRepository's; writes go through UserWrites. Every statement is scoped
 * by the list-access rule (lists/list-access.ts), so even to a caller past the guards a task of a list
 * they are not a member of looks exactly like no task.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly writes: UserWrites,
    private readonly idempotency: IdempotencyService,
    private readonly order: TaskOrderService,
    private readonly recurrence: TaskRecurrenceService,
  ) {}

  async list(userId: string, query: ListTasksQueryDto): Promise<TaskPageDto> {
    const sort = query.sort ?? '-created_at';
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { rows, total } = await this.tasks.page(userId, {
      ...toTaskFilter(query, userId),
      sort: sort.replace(/^-/, '') as TaskSortField,
      descending: sort.startsWith('-'),
      limit,
      offset,
    });
    return { items: rows.map(toTaskDto), total, limit, offset };
  }

  /** With an Idempotency-Key, a retry of the same request returns the first result instead. */
  async create(userId: string, dto: CreateTaskDto, idempotencyKey?: string): Promise<VersionedTask> {
    const dueDate = dto.due_date ? parseTimestamp(dto.due_date) : null;
    if (dto.parent_id !== undefined && dto.parent_id !== null && dto.recurrence) {
      throw invalid('recurrence', 'only top-level tasks recur; a subtask cannot');
    }
    const series = this.recurrence.forNewTask(dto.recurrence, dueDate);
    const categoryIds = categorySet(dto.category_ids) ?? [];
    const parentId = dto.parent_id ?? null;
    // The inbox needs no look-up (the insert finds it); another list, a parent or an assignee do.
    const place: Placement =
      dto.list_id === undefined && parentId === null && (dto.assignee_id ?? null) === null
        ? { listId: null, parentId: null }
        : await this.placement(userId, dto.list_id ?? null, parentId, dto.assignee_id ?? null);
    const insert = async (write: UserWrite) => {
      if (place.parentId !== null) {
        // Under the list's tree lock, the parent's depth is read again: a concurrent re-parenting
        // cannot push the new subtask past MAX_DEPTH between the check and the insert.
        await this.tasks.lockList(write as UserTransaction, place.listId!);
        await this.placement(userId, place.listId, place.parentId, dto.assignee_id ?? null, write);
      }
      const row = await this.order.append(write, place, (position) =>
        this.tasks.insert(write, place, {
          title: dto.title,
          description: dto.description ?? null,
          priority: dto.priority ?? 'medium',
          due_date: dueDate,
          completed: dto.completed ?? false,
          position,
          remind_at: dto.remind_at ? parseTimestamp(dto.remind_at) : null,
          assignee_id: dto.assignee_id ?? null,
          ...series,
        }),
      );
      if (categoryIds.length) {
        await this.tasks.replaceCategories(write, row.id, categoryIds);
        row.category_ids = categoryIds;
      }
      return toTaskDto(row);
    };
    // With links, the task and its links commit together: a link that fails leaves no task behind.
    const work = idempotencyKey ? this.idempotency.once(CREATE_SCOPE, idempotencyKey, dto, insert) : insert;
    if (categoryIds.length) return this.writes.runLinking(userId, work);
    return idempotencyKey || parentId !== null ? this.writes.runAtomic(userId, work) : this.writes.run(userId, insert);
  }

  /**
   * Where a new task goes, checked for the caller: a list they may write (422 on `list_id` when they
   * cannot read it, 403 when they only view it), a parent in that list at most MAX_DEPTH - 1 deep, an
   * assignee who is a member. A parent's list is the default.
   */
  private async placement(
    userId: string,
    listId: number | null,
    parentId: number | null,
    assigneeId: string | null,
    write?: UserWrite,
  ): Promise<Placement> {
    const facts = await this.tasks.placementFacts(userId, listId, parentId, assigneeId, write);
    if (parentId !== null) {
      if (!facts.parent) throw invalid('parent_id', 'must be the id of a task you can read');
      if (listId !== null && facts.parent.list_id !== listId) {
        throw invalid('parent_id', 'must be a task of the same list');
      }
      if (facts.parent.depth >= MAX_DEPTH) throw invalid('parent_id', `tasks nest at most ${MAX_DEPTH} levels deep`);
    }
    if (!facts.role || facts.list_id === null) throw invalid('list_id', 'must be the id of a list you can read');
    if (facts.role === 'viewer') throw forbidden('write', 'adding tasks to a list');
    if (!facts.assignable) throw invalid('assignee_id', "must be the list's owner or one of its members");
    return { listId: facts.list_id, parentId };
  }

  async findOne(userId: string, id: number): Promise<VersionedTask> {
    return toTaskDto(TASK.found(await this.tasks.find(userId, id)));
  }

  async update(userId: string, id: number, dto: UpdateTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const target = ifMatchTarget(id, ifMatch);
    const changes: TaskChanges = {
      title: dto.title,
      description: dto.description,
      priority: dto.priority,
      due_date: optionalTimestamp(dto.due_date),
      completed: dto.completed,
      remind_at: optionalTimestamp(dto.remind_at),
      recurrence: dto.recurrence,
    };
    const categoryIds = categorySet(dto.category_ids);
    if (dto.list_id !== undefined || dto.parent_id !== undefined || dto.assignee_id !== undefined) {
      return toTaskDto(
        TASK.orFail(
          await this.writes.runLinking(userId, (write) => this.restructure(write, target, dto, changes, categoryIds)),
        ),
      );
    }
    if (categoryIds === undefined && changesNothing(changes)) {
      return TASK.unchanged(await this.findOne(userId, id), target);
    }
    if (changesNothing(changes)) {
      // The caller's labels alone: personal, so any member may set them, viewers included.
      return toTaskDto(
        TASK.orFail(await this.writes.runLinking(userId, (write) => this.relabel(write, target, categoryIds!))),
      );
    }
    // Rules that depend on the task as it is (recurrence) read it under its row lock first.
    const current = this.recurrence.needsCurrentTask(changes);
    const apply = (write: UserTransaction) =>
      current ? this.recurrence.update(write, target, changes) : this.tasks.update(write, target, changes);
    if (categoryIds) {
      const written = await this.writes.runLinking(userId, async (write) => {
        // The row first: it is locked (and 404/403/412 decided) before any link changes.
        const result = await apply(write);
        if (result.outcome === 'written') {
          await this.tasks.replaceCategories(write, id, categoryIds);
          result.row.category_ids = categoryIds;
        }
        return result;
      });
      return toTaskDto(TASK.orFail(written));
    }
    const written = current
      ? await this.writes.runAtomic(userId, apply)
      : await this.writes.run(userId, (write) => this.tasks.update(write, target, changes));
    return toTaskDto(TASK.orFail(written));
  }

  private async relabel(
    write: UserTransaction,
    target: Target,
    categoryIds: number[],
  ): Promise<ConditionalWrite<TaskRow>> {
    const row = await this.tasks.lock(write, target.id);
    if (!accepted(target, row)) return notWritten(Boolean(row));
    await this.tasks.replaceCategories(write, row.id, categoryIds);
    return { outcome: 'written', row: await this.tasks.touch(write, row.id) };
  }

  /**
   * An update that moves the task to another list or parent, or (re)assigns it, under the list's
   * tree lock: the parent must be in the same list, not in the task's own subtree, and leave the
   * subtree within MAX_DEPTH levels; the task goes to the end of its new siblings. Moving to another
   * list carries the subtasks along (a subtask moved alone becomes top-level there).
   */
  private async restructure(
    write: UserTransaction,
    target: Target,
    dto: UpdateTaskDto,
    changes: TaskChanges,
    categoryIds: number[] | undefined,
  ): Promise<ConditionalWrite<TaskRow>> {
    // The tree locks come before the row lock, in list id order: a re-parenting's foreign key
    // share-locks the new parent's row, so taking them after the row lock, two members re-parenting
    // A under B and B under A deadlocked every time (each held one row and waited for the other's tree).
    const trees = [...new Set([await this.tasks.listOf(write, target.id), dto.list_id ?? null])]
      .filter((id) => id !== null)
      .sort((a, b) => a - b);
    for (const id of trees) await this.tasks.lockList(write, id);
    const row = await this.tasks.lock(write, target.id);
    if (!row) return notWritten(false);
    if (!row.allowed) return notWritten(true, false);
    if (!accepted(target, row)) return notWritten(true);
    // Moved by a concurrent write since it was looked up: that list's tree too (rare, out of order).
    if (!trees.includes(row.list_id)) await this.tasks.lockList(write, row.list_id);
    const listId = dto.list_id ?? row.list_id;
    const moving = listId !== row.list_id;
    const parentId = dto.parent_id !== undefined ? dto.parent_id : moving ? null : row.parent_id;
    const assigneeId = dto.assignee_id !== undefined ? dto.assignee_id : row.assignee_id;
    if (moving) {
      const facts = await this.tasks.placementFacts(write.userId, listId, null, dto.assignee_id ?? null, write);
      if (!facts.role) throw invalid('list_id', 'must be the id of a list you can read');
      if (facts.role === 'viewer') throw forbidden('write', 'moving tasks into a list');
    }
    // The parent is checked when it changes, and when the task changes list (a kept parent stays behind).
    if (parentId !== null && (parentId !== row.parent_id || moving)) {
      const recurs = changes.recurrence !== undefined ? Boolean(changes.recurrence) : Boolean(row.recurrence);
      if (recurs) throw invalid('parent_id', 'a recurring task cannot be a subtask; clear recurrence first');
      const facts = await this.tasks.subtreeFacts(write, row.id, parentId);
      if (!facts.parent) throw invalid('parent_id', 'must be the id of a task you can read');
      if (facts.parent.list_id !== listId) throw invalid('parent_id', 'must be a task of the same list');
      if (facts.cycle) throw invalid('parent_id', 'cannot be the task itself or one of its subtasks');
      if (facts.parent.depth + facts.height > MAX_DEPTH) {
        throw invalid('parent_id', `tasks nest at most ${MAX_DEPTH} levels deep`);
      }
    } else if (parentId !== null && changes.recurrence) {
      throw invalid('recurrence', 'only top-level tasks recur; a subtask cannot');
    }
    if (dto.assignee_id !== undefined && assigneeId !== null) {
      const facts = await this.tasks.placementFacts(write.userId, listId, null, assigneeId, write);
      if (!facts.assignable) throw invalid('assignee_id', "must be the list's owner or one of its members");
    }
    const next: TaskChanges = { ...changes, assignee_id: dto.assignee_id };
    if (moving || parentId !== row.parent_id) {
      Object.assign(next, { list_id: listId, parent_id: parentId });
      next.position = await this.order.endOf(write, { listId, parentId });
    }
    const result = this.recurrence.needsCurrentTask(next)
      ? await this.recurrence.update(write, anyVersion(row.id), next)
      : await this.tasks.update(write, anyVersion(row.id), next);
    if (result.outcome !== 'written') return result;
    if (moving) await this.tasks.settleMovedSubtree(write, row.id, listId);
    if (categoryIds) {
      await this.tasks.replaceCategories(write, row.id, categoryIds);
      result.row.category_ids = categoryIds;
    }
    return result;
  }

  /** Sets `completed`, or flips it when no value is given. */
  async complete(
    userId: string,
    id: number,
    completed: boolean | undefined,
    ifMatch?: IfMatch,
  ): Promise<VersionedTask> {
    const target = ifMatchTarget(id, ifMatch);
    return toTaskDto(TASK.orFail(await this.recurrence.complete(userId, target, completed ?? null)));
  }

  /** Moves the task after `after_id` (null: to the top) or before `before_id`; the other tasks keep their place. */
  async move(userId: string, id: number, dto: MoveTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const after = dto.after_id !== undefined;
    if (after === (dto.before_id !== undefined)) {
      const message = 'send exactly one of after_id (null for the top) and before_id';
      throw new ValidationFailedException([{ field: after ? 'before_id' : 'after_id', message }]);
    }
    const anchor = after ? { after: dto.after_id! } : { before: dto.before_id! };
    if (('after' in anchor ? anchor.after : anchor.before) === id) {
      const field = after ? 'after_id' : 'before_id';
      throw new ValidationFailedException([{ field, message: 'must be another task than the one moved' }]);
    }
    return toTaskDto(TASK.orFail(await this.order.move(userId, ifMatchTarget(id, ifMatch), anchor)));
  }

  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const target = ifMatchTarget(id, ifMatch);
    TASK.orFail(await this.writes.run(userId, (write) => this.tasks.delete(write, target)));
  }
}

/** The categories to link, ascending and each once (a repeated id means the same category). */
function categorySet(ids: number[] | undefined): number[] | undefined {
  return ids && [...new Set(ids)].sort((a, b) => a - b);
}

/** A body's timestamp field as a change: left out (undefined), cleared (null) or set. */
function optionalTimestamp(value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : parseTimestamp(value);
}

function invalid(field: string, message: string): ValidationFailedException {
  return new ValidationFailedException([{ field, message }]);
}
