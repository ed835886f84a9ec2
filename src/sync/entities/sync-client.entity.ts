import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../../auth/entities/user.entity.js';

/**
 * One installation of a client app that pushes changes (POST /api/sync/push): whose it is, and the
 * last of its mutations processed, advanced in the transaction of that mutation. Purged after
 * SYNC_RETENTION_DAYS (at least 7) without a push.
 */
@Entity({ name: 'sync_clients' })
@Check('sync_clients_last_mutation_id_check', 'last_mutation_id >= 0')
@Index('sync_clients_user_id_idx', ['userId'])
@Index('sync_clients_last_push_at_idx', ['lastPushAt'])
export class SyncClient {
  @PrimaryColumn({ name: 'client_id', type: 'uuid', primaryKeyConstraintName: 'sync_clients_pkey' })
  clientId: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sync_clients_user_id_fkey' })
  user?: Relation<User>;

  @Column({ name: 'last_mutation_id', type: 'bigint', default: 0 })
  lastMutationId: string;

  @Column({ name: 'last_push_at', type: 'timestamptz', default: () => 'now()' })
  lastPushAt: Date;
}
