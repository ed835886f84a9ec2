import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordListRowChange } from './1764850000000-single-user-writes.js';

/**
 * The change trigger's path for a list with no member but its owner (every inbox) in one statement:
 * the counter upsert asks in its own WHERE whether the list has another member, where a statement of
 * its own asked first. Each statement a PL/pgSQL function runs costs an executor start and end on
 * every written row; callgrind put that one at 3% of a toggle's instructions in PostgreSQL. The same
 * stamps, the same rows, the same lock order.
 */
export class StampInOneStatement1765100000000 implements MigrationInterface {
  name = 'StampInOneStatement1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(recordListRowChange(true, 'in the upsert'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(recordListRowChange(true));
  }
}
