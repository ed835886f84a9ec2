import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offline push (POST /api/sync/push): each client installation's mutation counter, advanced in the
 * transaction of the mutation it counts, and the ids its creates got, by the client's temp ids.
 */
export class SyncPush1764900000000 implements MigrationInterface {
  name = 'SyncPush1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_clients (
        client_id uuid PRIMARY KEY,
        user_id text NOT NULL,
        last_mutation_id bigint NOT NULL DEFAULT '0',
        last_push_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_clients_last_mutation_id_check CHECK (last_mutation_id >= 0),
        CONSTRAINT sync_clients_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sync_clients_user_id_idx ON sync_clients (user_id)`);
    await q.query(`CREATE INDEX sync_clients_last_push_at_idx ON sync_clients (last_push_at)`);
    await q.query(`
      CREATE TABLE sync_client_objects (
        client_id uuid NOT NULL,
        temp_id text NOT NULL,
        kind text NOT NULL,
        object_id integer NOT NULL,
        mutation_id bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_client_objects_kind_check CHECK (kind IN ('tasks', 'categories', 'lists')),
        CONSTRAINT sync_client_objects_pkey PRIMARY KEY (client_id, temp_id),
        CONSTRAINT sync_client_objects_client_id_fkey FOREIGN KEY (client_id)
          REFERENCES sync_clients (client_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sync_client_objects_created_at_idx ON sync_client_objects (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sync_client_objects`);
    await q.query(`DROP TABLE sync_clients`);
  }
}
