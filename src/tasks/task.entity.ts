import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  Unique,
} from 'typeorm';
import { User } from '../auth/entities/user.entity.js';
import { List } from '../lists/list.entity.js';

export const PRIORITIES = ['low', 'medium', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A task carries at most this many categories: labels, not a second list. */
export const MAX_CATEGORIES_PER_TASK = 20;

/**
 * A task. Every list query is scoped to one owner, so each sort key has an index led by `user_id` and
 * ending in `id` (the tie-breaker): a page is an index range scan at any size. The title's is on
 * `lower(title)`, which TypeORM cannot express: declared by name only, created by a migration.
 * A task's `user_id` is its list's owner (the change trigger keeps it so when a task changes list).
 * `position` orders siblings (one parent, or the top level, of one list): unique among them, with
 * NULLS NOT DISTINCT, which TypeORM cannot express, so that index too is declared by name only.
 * `(list_id, id)` is unique so that a subtask's parent can be referenced together with its list,
 * which keeps a parent in its child's list and carries subtrees along on a move (ON UPDATE CASCADE);
 * led by `list_id`, it is also the index of a list's tasks (its counts, a member's shared lists).
 * Constraint names are PostgreSQL's defaults, as the migrations created them.
 */
@Entity({ name: 'tasks' })
@Index('tasks_user_created_at_idx', ['userId', 'createdAt', 'id'])
@Index('tasks_user_updated_at_idx', ['userId', 'updatedAt', 'id'])
@Index('tasks_user_due_date_idx', ['userId', 'dueDate', 'id'])
@Index('tasks_user_priority_idx', ['userId', 'priority', 'id'])
@Index('tasks_user_title_idx', { synchronize: false })
@Unique('tasks_list_id_id_key', ['listId', 'id'])
@Index('tasks_list_top_position_key', ['listId', 'position'], { unique: true, where: 'parent_id IS NULL' })
@Index('tasks_parent_position_key', ['parentId', 'position'], { unique: true, where: 'parent_id IS NOT NULL' })
@Index('tasks_assignee_idx', ['assigneeId'], { where: 'assignee_id IS NOT NULL' })
@Index('tasks_pending_reminders_idx', ['remindAt'], { where: 'reminded_at IS NULL AND remind_at IS NOT NULL' })
@Index('tasks_user_change_seq_idx', ['userId', 'changeSeq'])
@Check('tasks_title_check', 'length(btrim(title)) > 0')
@Check('tasks_description_check', 'length(description) <= 2000')
@Check('tasks_parent_check', 'parent_id <> id')
@Check('tasks_recurrence_check', 'recurrence IS NULL OR (due_date IS NOT NULL AND recurrence_start IS NOT NULL)')
export class Task {
  @PrimaryGeneratedColumn('identity', {
    type: 'integer',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'tasks_pkey',
  })
  id: number;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** Declared for the foreign key; never loaded (queries use `userId`). */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'tasks_user_id_fkey' })
  user?: Relation<User>;

  @Column({ name: 'list_id', type: 'integer' })
  listId: number;

  /** Declared for the foreign key; never loaded. Deleting a list deletes its tasks. */
  @ManyToOne(() => List, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'list_id', foreignKeyConstraintName: 'tasks_list_id_fkey' })
  list?: Relation<List>;

  /** Who created the task; null once that user is deleted. */
  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy: string | null;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'tasks_created_by_fkey' })
  creator?: Relation<User>;

  /** The list's owner or a member; unassigned when they leave the list or are deleted. */
  @Column({ name: 'assignee_id', type: 'text', nullable: true })
  assigneeId: string | null;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assignee_id', foreignKeyConstraintName: 'tasks_assignee_id_fkey' })
  assignee?: Relation<User>;

  /** The parent task, in the same list (null: a top-level task). */
  @Column({ name: 'parent_id', type: 'integer', nullable: true })
  parentId: number | null;

  /** Declared for the foreign key; never loaded. Deleting a task deletes its subtasks. */
  @ManyToOne(() => Task, { onDelete: 'CASCADE', onUpdate: 'CASCADE' })
  @JoinColumn([
    { name: 'parent_id', referencedColumnName: 'id', foreignKeyConstraintName: 'tasks_parent_fkey' },
    { name: 'list_id', referencedColumnName: 'listId' },
  ])
  parent?: Relation<Task>;

  @Column({ type: 'varchar', length: 255 })
  title: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'boolean', default: false })
  completed: boolean;

  /** A PostgreSQL enum, so that ORDER BY sorts low < medium < high. */
  @Column({ type: 'enum', enum: PRIORITIES, enumName: 'task_priority', default: 'medium' })
  priority: Priority;

  @Column({ name: 'due_date', type: 'timestamptz', precision: 3, nullable: true })
  dueDate: Date | null;

  /**
   * A fractional-indexing key: the user's tasks in manual order are sorted by it byte by byte. The
   * "C" collation makes PostgreSQL compare the way JavaScript does, whatever the database's locale.
   */
  @Column({ type: 'text', collation: 'C' })
  position: string;

  /** When to remind the user; a new value clears `reminded_at`, so the new time fires again. */
  @Column({ name: 'remind_at', type: 'timestamptz', precision: 3, nullable: true })
  remindAt: Date | null;

  /** When the reminder for `remind_at` went out (the scheduler sets it); null while pending. */
  @Column({ name: 'reminded_at', type: 'timestamptz', precision: 3, nullable: true })
  remindedAt: Date | null;

  /** An RRULE value (recurrence-rule.ts), exactly as the client sent it. */
  @Column({ type: 'text', nullable: true })
  recurrence: string | null;

  /** Internal: the date the series counts from, the due date when `recurrence` was set. */
  @Column({ name: 'recurrence_start', type: 'timestamptz', precision: 3, nullable: true })
  recurrenceStart: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt: Date;

  /** Bumped by every write; the ETag is derived from it. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /** The owner's change stamp when the row last changed, set by the change trigger (docs/live-updates.md). */
  @Column({ name: 'change_seq', type: 'bigint' })
  changeSeq: string;
}
