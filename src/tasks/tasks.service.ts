import { Injectable, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { type IfMatch, matchingVersions, VERSION } from '../common/etag.js';
import type { ConditionalWrite } from '../database/conditional-write.js';
import { type UserWrite, UserWrites } from '../database/user-writes.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { TaskPageDto, type VersionedTask } from './dto/task.dto.js';
import { UpdateTaskDto } from './dto/update-task.dto.js';
import { IdempotencyService } from './idempotency.service.js';
import { parseTimestamp } from './is-timestamp.decorator.js';
import { toTaskFilter } from './task-filter.js';
import { type TaskChanges, type TaskRow, type TaskSortField, TasksRepository } from './tasks.repository.js';

/**
 * Task rules: defaults, If-Match, Idempotency-Key, and what a missing or changed task answers. The
 * SQL is TasksRepository's, and every write goes through UserWrites, the one write path for a
 * user's rows. Every statement is scoped by the owner, so even a caller that got past the guards
 * cannot read or change someone else's task: another user's task looks exactly like no task.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly writes: UserWrites,
    private readonly idempotency: IdempotencyService,
  ) {}

  async list(userId: string, query: ListTasksQueryDto): Promise<TaskPageDto> {
    const sort = query.sort ?? '-created_at';
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { rows, total } = await this.tasks.page(userId, {
      ...toTaskFilter(query),
      sort: sort.replace(/^-/, '') as TaskSortField,
      descending: sort.startsWith('-'),
      limit,
      offset,
    });
    return { items: rows.map(toTaskDto), total, limit, offset };
  }

  /** With an Idempotency-Key, a retry of the same request returns the first result instead. */
  create(userId: string, dto: CreateTaskDto, idempotencyKey?: string): Promise<VersionedTask> {
    const categoryIds = categorySet(dto.category_ids) ?? [];
    const insert = async (write: UserWrite) => {
      const row = await this.tasks.insert(write, {
        title: dto.title,
        description: dto.description ?? null,
        priority: dto.priority ?? 'medium',
        due_date: dto.due_date ? parseTimestamp(dto.due_date) : null,
        completed: dto.completed ?? false,
      });
      if (categoryIds.length) {
        await this.tasks.replaceCategories(write, row.id, categoryIds);
        row.category_ids = categoryIds;
      }
      return toTaskDto(row);
    };
    if (idempotencyKey) return this.idempotency.once(userId, idempotencyKey, dto, insert);
    // The task and its links commit together: a link that fails leaves no task behind.
    return this.writes.run(userId, insert, { atomic: categoryIds.length > 0 });
  }

  async findOne(userId: string, id: number): Promise<VersionedTask> {
    const row = await this.tasks.find(userId, id);
    if (!row) throw taskNotFound();
    return toTaskDto(row);
  }

  async update(userId: string, id: number, dto: UpdateTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const versions = matchingVersions(id, ifMatch);
    const changes: TaskChanges = {
      title: dto.title,
      description: dto.description,
      priority: dto.priority,
      due_date: dto.due_date === undefined ? undefined : dto.due_date === null ? null : parseTimestamp(dto.due_date),
      completed: dto.completed,
    };
    const categoryIds = categorySet(dto.category_ids);
    if (categoryIds === undefined && Object.values(changes).every((value) => value === undefined)) {
      const task = await this.findOne(userId, id);
      if (versions && !versions.includes(task[VERSION])) throw stale();
      return task;
    }
    const written = await this.writes.run(
      userId,
      async (write) => {
        // The row first: it is locked (and 404/412 decided) before any link changes.
        const result = await this.tasks.update(write, id, changes, versions);
        if (result.outcome === 'written' && categoryIds) {
          await this.tasks.replaceCategories(write, id, categoryIds);
          result.row.category_ids = categoryIds;
        }
        return result;
      },
      { atomic: categoryIds !== undefined },
    );
    return toTaskDto(orFail(written));
  }

  /** Sets `completed`, or flips it when no value is given. */
  async complete(
    userId: string,
    id: number,
    completed: boolean | undefined,
    ifMatch?: IfMatch,
  ): Promise<VersionedTask> {
    const versions = matchingVersions(id, ifMatch);
    return toTaskDto(
      orFail(await this.writes.run(userId, (write) => this.tasks.setCompleted(write, id, completed ?? null, versions))),
    );
  }

  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const versions = matchingVersions(id, ifMatch);
    orFail(await this.writes.run(userId, (write) => this.tasks.delete(write, id, versions)));
  }
}

/** The categories to link, ascending and each once (a repeated id means the same category). */
function categorySet(ids: number[] | undefined): number[] | undefined {
  return ids && [...new Set(ids)].sort((a, b) => a - b);
}

/** A conditional write's result, or its 404 (no such task) or 412 (the task has changed). */
function orFail<T>(result: ConditionalWrite<T>): T {
  if (result.outcome !== 'written') throw result.outcome === 'not-found' ? taskNotFound() : stale();
  return result.row;
}

function taskNotFound(): NotFoundException {
  return new NotFoundException('Task not found');
}

function stale(): PreconditionFailedException {
  return new PreconditionFailedException('The task has changed since you read it (If-Match); fetch it again and retry');
}

function toTaskDto(row: TaskRow): VersionedTask {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_date: row.due_date ? row.due_date.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    category_ids: row.category_ids,
    [VERSION]: row.version,
  };
}
