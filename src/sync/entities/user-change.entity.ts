import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../../auth/entities/user.entity.js';

/**
 * A user's change cursor: `seq` is bumped by the record_user_change() trigger for every change to
 * the user's synced rows, in the changing transaction. `purged_seq` is the newest stamp whose
 * tombstone may have been purged: a sync cursor older than it is 410.
 */
@Entity({ name: 'user_changes' })
export class UserChange {
  @PrimaryColumn({ name: 'user_id', type: 'text', primaryKeyConstraintName: 'user_changes_pkey' })
  userId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_changes_user_id_fkey' })
  user?: Relation<User>;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ name: 'purged_seq', type: 'bigint', default: 0 })
  purgedSeq: string;
}
