import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { List } from './list.entity.js';

/**
 * An open invitation to a list: whoever holds `code` (random, at least 128 bits) may join with
 * `role` until `expires_at`, once. Accepting deletes the row; so does revoking.
 */
@Entity({ name: 'list_invitations' })
@Index('list_invitations_list_idx', ['listId', 'expiresAt'])
@Check('list_invitations_role_check', `role IN ('editor', 'viewer')`)
export class ListInvitation {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'list_invitations_pkey' })
  code: string;

  @Column({ name: 'list_id', type: 'integer' })
  listId: number;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => List, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'list_id', foreignKeyConstraintName: 'list_invitations_list_id_fkey' })
  list?: Relation<List>;

  @Column({ type: 'text' })
  role: 'editor' | 'viewer';

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt: Date;
}
