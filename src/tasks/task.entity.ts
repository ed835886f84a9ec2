import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const PRIORITIES = ['low', 'medium', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * A task. Indexes live in the migration: one per sort key, each led by `user_id`, because every
 * query is scoped to one owner.
 */
@Entity({ name: 'tasks' })
export class Task {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

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

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt: Date;

  /** Bumped by every write; the ETag is derived from it. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}
