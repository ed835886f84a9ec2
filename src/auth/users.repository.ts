import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { User } from './entities/user.entity.js';

export interface NewUserRow {
  id: string;
  email: string | null;
  name: string;
  passwordHash: string | null;
}

export interface Credentials {
  id: string;
  passwordHash: string | null;
}

/** The SQL of `users`. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts a user; a taken email surfaces as PostgreSQL's unique violation (23505). */
  async insert(user: NewUserRow): Promise<User> {
    const [row]: { id: string; email: string | null; name: string; created_at: Date }[] = await this.db.query(
      `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
       RETURNING id, email, name, created_at`,
      [user.id, user.email, user.name, user.passwordHash],
    );
    return Object.assign(new User(), { id: row.id, email: row.email, name: row.name, createdAt: row.created_at });
  }

  /** Inserts a user unless one with this id or email exists; false when nothing was inserted. */
  async insertIfAbsent(user: Omit<NewUserRow, 'passwordHash'>): Promise<boolean> {
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO users (id, email, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`,
      [user.id, user.email, user.name],
    );
    return inserted.length > 0;
  }

  /** Inserts a user with no email unless one with this id exists. */
  async insertWithoutEmailIfAbsent(id: string, name: string): Promise<void> {
    await this.db.query(`INSERT INTO users (id, email, name) VALUES ($1, NULL, $2) ON CONFLICT (id) DO NOTHING`, [
      id,
      name,
    ]);
  }

  findById(id: string): Promise<User | null> {
    return this.db.getRepository(User).findOneBy({ id });
  }

  async findCredentials(email: string): Promise<Credentials | null> {
    const [row]: { id: string; password_hash: string | null }[] = await this.db.query(
      `SELECT id, password_hash FROM users WHERE email = $1`,
      [email],
    );
    return row ? { id: row.id, passwordHash: row.password_hash } : null;
  }
}
