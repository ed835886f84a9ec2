import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { User } from '../auth/entities/user.entity.js';

/** The colour a list gets when none is given (as a category's). */
export const DEFAULT_LIST_COLOR = '#3b82f6';

/** At most this many lists owned per user; lists shared with them do not count. */
export const MAX_LISTS_PER_USER = 200;

/** At most this many members per list, the owner included. */
export const MAX_MEMBERS_PER_LIST = 50;

/** At most this many open invitations per list. */
export const MAX_OPEN_INVITATIONS_PER_LIST = 20;

/**
 * A list of tasks, owned by one user and perhaps shared with others (ListMember). Each user has
 * exactly one inbox (`is_inbox`, the partial unique index), made by a trigger on `users` when the
 * user is created. Who may do what is list-access.ts's.
 */
@Entity({ name: 'lists' })
@Index('lists_owner_inbox_key', ['ownerId'], { unique: true, where: 'is_inbox' })
@Index('lists_owner_change_seq_idx', ['ownerId', 'changeSeq'])
@Check('lists_name_check', 'length(btrim(name)) > 0')
@Check('lists_color_check', `color ~ '^#[0-9a-f]{6}$'`)
export class List {
  @PrimaryGeneratedColumn('identity', {
    type: 'integer',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'lists_pkey',
  })
  id: number;

  @Column({ name: 'owner_id', type: 'text' })
  ownerId: string;

  /** Declared for the foreign key; never loaded (queries use `ownerId`). */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'lists_owner_id_fkey' })
  owner?: Relation<User>;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** `#rrggbb`, lower-case. */
  @Column({ type: 'varchar', length: 7, default: DEFAULT_LIST_COLOR })
  color: string;

  @Column({ name: 'is_inbox', type: 'boolean', default: false })
  isInbox: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt: Date;

  /** Bumped by every write of the list's own fields (not its counts, nor a member's position); the ETag. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /** The owner's change stamp when the row last changed, set by the change trigger (docs/live-updates.md). */
  @Column({ name: 'change_seq', type: 'bigint', default: '0' })
  changeSeq: string;
}
