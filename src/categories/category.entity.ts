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
import { constraintProblem } from '../common/problem.js';

/** The colour a category gets when none is given. */
export const DEFAULT_COLOR = '#3b82f6';

/** At most this many categories per user: a label list, not a second task list. */
export const MAX_CATEGORIES_PER_USER = 200;

/** A second category of the same name (whatever its case): the unique index's 409. */
export const NAME_TAKEN = constraintProblem('categories_user_name_key', {
  status: 409,
  detail: 'You already have a category with this name',
});

/**
 * A user's label with a colour. Names are unique per user case-insensitively, on `lower(name)`,
 * which TypeORM cannot express: that index is declared by name only and created by the migration.
 * `(user_id, id)` is unique so that task_categories can reference a category together with its owner.
 */
@Entity({ name: 'categories' })
@Unique('categories_user_id_id_key', ['userId', 'id'])
@Index('categories_user_name_key', { synchronize: false })
@Index('categories_user_change_seq_idx', ['userId', 'changeSeq'])
@Check('categories_name_check', 'length(btrim(name)) > 0')
@Check('categories_color_check', `color ~ '^#[0-9a-f]{6}$'`)
export class Category {
  @PrimaryGeneratedColumn('identity', {
    type: 'integer',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'categories_pkey',
  })
  id: number;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** Declared for the foreign key; never loaded (queries use `userId`). */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'categories_user_id_fkey' })
  user?: Relation<User>;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** `#rrggbb`, lower-case. */
  @Column({ type: 'varchar', length: 7, default: DEFAULT_COLOR })
  color: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt: Date;

  /** Bumped by every write of the category's own fields (not by its counts); the ETag is derived from it. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /** The owner's change stamp when the row itself (not its counts) last changed, set by the change trigger. */
  @Column({ name: 'change_seq', type: 'bigint' })
  changeSeq: string;
}
