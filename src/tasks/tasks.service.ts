import { Injectable, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type IfMatch, VERSION as TASK_VERSION } from '../common/etag.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { TaskDto, TaskPageDto, type VersionedTask } from './dto/task.dto.js';
import { UpdateTaskDto } from './dto/update-task.dto.js';
import { IdempotencyService } from './idempotency.service.js';
import { parseTimestamp } from './is-timestamp.decorator.js';

/** What each sort orders by; titles case-insensitively, matching the migration's indexes. */
const SORT_KEYS = { created_at: 'created_at', updated_at: 'updated_at', due_date: 'due_date', priority: 'priority', title: 'lower(title)' } as const;

const COLUMNS = 'id, user_id, title, description, completed, priority, due_date, created_at, updated_at, version';

/** Writable fields and how a DTO value becomes a column value. */
const WRITABLE: Record<keyof UpdateTaskDto, (value: never) => unknown> = {
  title: (v: string) => v,
  description: (v: string | null) => v,
  priority: (v: string) => v,
  due_date: (v: string | null) => (v === null ? null : parseTimestamp(v)),
  completed: (v: boolean) => v,
};

interface TaskRow {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: TaskDto['priority'];
  due_date: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
  total?: string;
}

/**
 * Task rules. Every statement is scoped by the owner, so even a caller that got past the guards
 * cannot read or change someone else's task: another user's task looks exactly like no task.
 */
@Injectable()
export class TasksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly idempotency: IdempotencyService,
  ) {}

  async list(userId: string, query: ListTasksQueryDto): Promise<TaskPageDto> {
    const params: unknown[] = [userId];
    const where = ['user_id = $1'];
    const param = (value: unknown) => `$${params.push(value)}`;

    if (query.status === 'pending') where.push('NOT completed');
    if (query.status === 'completed') where.push('completed');
    if (query.completed !== undefined) where.push(`completed = ${param(query.completed)}`);
    if (query.priority) where.push(`priority = ${param(query.priority)}`);
    if (query.q) {
      const pattern = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(title ILIKE ${pattern} OR description ILIKE ${pattern})`);
    }
    if (query.due_before) where.push(`due_date < ${param(parseTimestamp(query.due_before))}`);
    if (query.due_after) where.push(`due_date > ${param(parseTimestamp(query.due_after))}`);

    const sort = query.sort ?? '-created_at';
    const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
    const field = sort.replace(/^-/, '') as keyof typeof SORT_KEYS;
    // Undated tasks go last in both directions; the other keys are NOT NULL, so their order matches
    // the (user_id, key, id) indexes exactly and a page is read straight off the index.
    const key = SORT_KEYS[field];
    const nulls = field === 'due_date' ? ' NULLS LAST' : '';
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;

    const filter = where.join(' AND ');
    // The total is a sub-select that runs once and can count off an index; count(*) OVER () read
    // every matching row in full before the page, so lists slowed down with the number of tasks.
    const rows: TaskRow[] = await this.db.query(
      `SELECT ${COLUMNS}, (SELECT count(*) FROM tasks WHERE ${filter}) AS total FROM tasks WHERE ${filter}
       ORDER BY ${key} ${direction}${nulls}, id ${direction} LIMIT ${param(limit)} OFFSET ${param(offset)}`,
      params,
    );
    let total = rows.length ? Number(rows[0].total) : 0;
    if (!rows.length && offset > 0) {
      // A page past the end has no row to carry the total.
      const [{ count }] = await this.db.query(`SELECT count(*) FROM tasks WHERE ${filter}`, params.slice(0, -2));
      total = Number(count);
    }
    return { items: rows.map(toTaskDto), total, limit, offset };
  }

  /** With an Idempotency-Key, a retry of the same request returns the first result instead. */
  create(userId: string, dto: CreateTaskDto, idempotencyKey?: string): Promise<VersionedTask> {
    if (idempotencyKey) return this.idempotency.once(userId, idempotencyKey, dto, (db) => this.insert(db, userId, dto));
    return this.insert(this.db.manager, userId, dto);
  }

  private async insert(db: EntityManager, userId: string, dto: CreateTaskDto): Promise<VersionedTask> {
    const [row] = await db.query(
      `INSERT INTO tasks (user_id, title, description, priority, due_date, completed)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [userId, dto.title, dto.description ?? null, dto.priority ?? 'medium', dto.due_date ? parseTimestamp(dto.due_date) : null, dto.completed ?? false],
    );
    return toTaskDto(row);
  }

  async findOne(userId: string, id: number): Promise<VersionedTask> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [id, userId]);
    if (!row) throw taskNotFound();
    return toTaskDto(row);
  }

  async update(userId: string, id: number, dto: UpdateTaskDto, ifMatch?: IfMatch): Promise<VersionedTask> {
    const versions = matchingVersions(id, ifMatch);
    const params: unknown[] = [id, userId, versions];
    const sets: string[] = [];
    for (const [field, toColumn] of Object.entries(WRITABLE) as [keyof UpdateTaskDto, (v: unknown) => unknown][]) {
      if (dto[field] !== undefined) sets.push(`${field} = $${params.push(toColumn(dto[field]))}`);
    }
    if (!sets.length) {
      const task = await this.findOne(userId, id);
      if (versions && !versions.includes(task[TASK_VERSION])) throw stale();
      return task;
    }
    return this.write(sets.join(', '), params);
  }

  /** Sets `completed`, or flips it when no value is given, in one statement so no toggle is lost. */
  complete(userId: string, id: number, completed: boolean | undefined, ifMatch?: IfMatch): Promise<VersionedTask> {
    return this.write('completed = COALESCE($4, NOT completed)', [id, userId, matchingVersions(id, ifMatch), completed ?? null]);
  }

  async remove(userId: string, id: number, ifMatch?: IfMatch): Promise<void> {
    const [{ found, deleted }] = await this.db.query(
      `WITH target AS (SELECT 1 FROM tasks WHERE id = $1 AND user_id = $2),
            gone AS (DELETE FROM tasks WHERE id = $1 AND user_id = $2 AND ($3::int[] IS NULL OR version = ANY ($3::int[])) RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM gone) AS deleted`,
      [id, userId, matchingVersions(id, ifMatch)],
    );
    if (!deleted) throw found ? stale() : taskNotFound();
  }

  /**
   * Updates one task ($1 = id, $2 = owner) if its version is one of $3 (any when null). One
   * statement both writes and tells "no such task" (404) from "changed since you read it" (412):
   * both parts see the same snapshot, so no write can slip in between the two answers.
   */
  private async write(sets: string, params: unknown[]): Promise<VersionedTask> {
    const [row] = await this.db.query(
      `WITH target AS (SELECT 1 FROM tasks WHERE id = $1 AND user_id = $2),
            changed AS (UPDATE tasks SET ${sets}, updated_at = now(), version = version + 1
                         WHERE id = $1 AND user_id = $2 AND ($3::int[] IS NULL OR version = ANY ($3::int[]))
                         RETURNING ${COLUMNS})
       SELECT EXISTS (SELECT 1 FROM target) AS found, changed.* FROM (VALUES (1)) AS one LEFT JOIN changed ON true`,
      params,
    );
    if (row.id === null) throw row.found ? stale() : taskNotFound();
    return toTaskDto(row);
  }
}

/**
 * The versions of task `id` that If-Match accepts, from the ETags it lists (`"<id>-<version>"`,
 * compared as exact strings, as strong comparison requires); null when any version will do.
 */
function matchingVersions(id: number, ifMatch: IfMatch | undefined): number[] | null {
  if (ifMatch === undefined || ifMatch === '*') return null;
  return ifMatch.flatMap((tag) => {
    const match = /^"(\d+)-([1-9]\d{0,9})"$/.exec(tag);
    return match && match[1] === String(id) && Number(match[2]) <= 2_147_483_647 ? [Number(match[2])] : [];
  });
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
    [TASK_VERSION]: row.version,
  };
}
