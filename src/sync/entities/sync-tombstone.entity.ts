import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../../auth/entities/user.entity.js';

/**
 * A deleted row of a synced table (`kind`: the table), stamped like a change so that GET /api/sync
 * can report the deletion in order. Written by the record_user_change() trigger; purged after
 * SYNC_RETENTION_DAYS (TombstonePurgeService).
 */
@Entity({ name: 'sync_tombstones' })
@Index('sync_tombstones_user_change_seq_idx', ['userId', 'changeSeq'])
export class SyncTombstone {
  @PrimaryColumn({ name: 'user_id', type: 'text', primaryKeyConstraintName: 'sync_tombstones_pkey' })
  userId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sync_tombstones_user_id_fkey' })
  user?: Relation<User>;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'sync_tombstones_pkey' })
  kind: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'sync_tombstones_pkey' })
  id: number;

  @Column({ name: 'change_seq', type: 'bigint' })
  changeSeq: string;

  @Index('sync_tombstones_deleted_at_idx')
  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  deletedAt: Date;
}
