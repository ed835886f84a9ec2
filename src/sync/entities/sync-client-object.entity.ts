import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { SyncClient } from './sync-client.entity.js';

/**
 * What a client's create named `temp_id` became: `kind` (the table) and `object_id`. Kept for
 * SYNC_RETENTION_DAYS (at least 7), and with its client.
 */
@Entity({ name: 'sync_client_objects' })
@Check('sync_client_objects_kind_check', "kind IN ('tasks', 'categories', 'lists')")
@Index('sync_client_objects_created_at_idx', ['createdAt'])
export class SyncClientObject {
  @PrimaryColumn({ name: 'client_id', type: 'uuid', primaryKeyConstraintName: 'sync_client_objects_pkey' })
  clientId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => SyncClient, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'sync_client_objects_client_id_fkey' })
  client?: Relation<SyncClient>;

  @PrimaryColumn({ name: 'temp_id', type: 'text', primaryKeyConstraintName: 'sync_client_objects_pkey' })
  tempId: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'object_id', type: 'integer' })
  objectId: number;

  /** The create that made it. */
  @Column({ name: 'mutation_id', type: 'bigint' })
  mutationId: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
