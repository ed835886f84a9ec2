import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../auth/entities/user.entity.js';
import type { Role } from './list-access.js';
import { List } from './list.entity.js';

/**
 * A user's access to a list: their role, and where the list sits in their own order of lists
 * (`position`, a fractional-indexing key compared byte by byte, hence the "C" collation). The owner
 * has a row too, with the role `owner`; no row, no access (list-access.ts).
 */
@Entity({ name: 'list_members' })
@Index('list_members_user_idx', ['userId', 'listId'])
@Index('list_members_user_change_seq_idx', ['userId', 'changeSeq'])
@Check('list_members_role_check', `role IN ('owner', 'editor', 'viewer')`)
export class ListMember {
  @PrimaryColumn({ name: 'list_id', type: 'integer', primaryKeyConstraintName: 'list_members_pkey' })
  listId: number;

  @PrimaryColumn({ name: 'user_id', type: 'text', primaryKeyConstraintName: 'list_members_pkey' })
  userId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => List, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'list_id', foreignKeyConstraintName: 'list_members_list_id_fkey' })
  list?: Relation<List>;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'list_members_user_id_fkey' })
  user?: Relation<User>;

  @Column({ type: 'text' })
  role: Role;

  @Column({ type: 'text', collation: 'C' })
  position: string;

  @Column({ name: 'joined_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  joinedAt: Date;

  /** The member's change stamp when the membership last changed, set by the change trigger. */
  @Column({ name: 'change_seq', type: 'bigint', default: '0' })
  changeSeq: string;
}
