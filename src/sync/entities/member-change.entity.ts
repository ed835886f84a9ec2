import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../../auth/entities/user.entity.js';

/**
 * A non-owner member's change stamp for a row of a list they read (`kind`: the table, `id`: the
 * row); the owner's stamp is on the row itself. Written by the list triggers, each stamp under that
 * member's own counter (user_changes), so every reader's stamps follow commit order. No foreign key
 * to the list: a row outlives nothing, the membership's delete trigger clears them.
 */
@Entity({ name: 'member_changes' })
@Index('member_changes_user_change_seq_idx', ['userId', 'changeSeq'])
@Index('member_changes_list_idx', ['listId', 'userId'])
export class MemberChange {
  @PrimaryColumn({ name: 'user_id', type: 'text', primaryKeyConstraintName: 'member_changes_pkey' })
  userId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'member_changes_user_id_fkey' })
  user?: Relation<User>;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'member_changes_pkey' })
  kind: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'member_changes_pkey' })
  id: number;

  @Column({ name: 'list_id', type: 'integer' })
  listId: number;

  @Column({ name: 'change_seq', type: 'bigint' })
  changeSeq: string;
}
