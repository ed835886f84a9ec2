import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.js';
import { ENTITIES } from '../src/entities.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { useTestApp } from './support/test-app.js';

/**
 * The entities are the truth about the schema. If this fails, an entity and the migrations
 * disagree, and the failure shows how: declare on the entity what the migrations create (with the
 * same names), or add a migration (`npm run migration:generate -- Name`) for what the entity wants.
 */
describe('schema', () => {
  // The app runs every migration on its empty database as it starts.
  const t = useTestApp();
  let dataSource: DataSource;
  /** The statements TypeORM's schema builder would run to make the database match the entities. */
  const proposedChanges = async () =>
    (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query.trim());

  beforeAll(() => {
    dataSource = t.app.get(DataSource);
  });

  it('needs no change after all migrations: the entities declare what the migrations create', async () => {
    expect(await proposedChanges()).toEqual([]);
  });

  it('has the entities that the feature modules register and the migration CLI lists (src/entities.ts)', () => {
    const registered = dataSource.entityMetadatas.map((metadata) => metadata.target);
    expect(new Set(registered)).toEqual(new Set(ENTITIES));
  });

  describe('built from the entities alone', () => {
    let synced: TestDatabase;
    let syncedSql: Client;
    const tables = () => dataSource.entityMetadatas.map((metadata) => metadata.tableName);
    /** Declared by name only: TypeORM cannot express them (e.g. on lower(title)), the migrations create them. */
    const nameOnlyIndexes = () =>
      dataSource.entityMetadatas.flatMap((m) =>
        m.indices.filter((index) => !index.synchronize).map((index) => index.name),
      );

    beforeAll(async () => {
      synced = await createTestDatabase('schema');
      const built = new DataSource({
        ...dataSourceOptions({ url: synced.url, poolSize: 1, poolRecycleSeconds: 0 }),
        entities: ENTITIES,
        synchronize: true,
      });
      await built.initialize();
      await built.destroy();
      syncedSql = new Client({ connectionString: synced.url });
      await syncedSql.connect();
    });

    afterAll(async () => {
      await syncedSql?.end();
      await synced?.drop();
    });

    /**
     * What PostgreSQL says the entities' tables are: columns, constraints (with their expressions,
     * which the schema builder compares by name only) and indexes, as PostgreSQL prints them.
     */
    async function catalog(sql: Client, skipIndexes: string[] = []) {
      const columns = await sql.query(
        `SELECT table_name, column_name, data_type, udt_name, character_maximum_length, datetime_precision, is_nullable,
                column_default, is_identity, identity_generation
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY 1, 2`,
        [tables()],
      );
      const constraints = await sql.query(
        `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
           FROM pg_constraint WHERE conrelid::regclass::text = ANY($1) ORDER BY 1, 2`,
        [tables()],
      );
      const indexes = await sql.query(
        `SELECT tablename, indexname, indexdef FROM pg_indexes
          WHERE schemaname = 'public' AND tablename = ANY($1) AND NOT indexname = ANY($2) ORDER BY 1, 2`,
        [tables(), skipIndexes],
      );
      const enums = await sql.query(
        `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
           FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY 1 ORDER BY 1`,
      );
      return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows, enums: enums.rows };
    }

    it('is the schema that the migrations build (bar the indexes declared by name only)', async () => {
      expect(await catalog(syncedSql)).toEqual(await catalog(t.sql, nameOnlyIndexes()));
    });

    it('declares by name only indexes that the migrations do create', async () => {
      expect(nameOnlyIndexes()).toContain('tasks_user_title_idx');
      const { rows } = await t.sql.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE indexname = ANY($1)',
        [nameOnlyIndexes()],
      );
      expect(rows.map((row) => row.indexname).sort()).toEqual([...nameOnlyIndexes()].sort());
    });
  });
});
