import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { User } from './entities/user.entity.js';

export interface NewUser {
  id: string;
  email: string | null;
  name: string;
  passwordHash?: string | null;
}

const KNOWN_USERS_MAX = 10_000;

@Injectable()
export class UsersService {
  /** Ids known to have a row, so a token's user is provisioned once, not written per request. */
  private readonly known = new Set<string>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts a user; a taken email surfaces as PostgreSQL's unique violation (23505 -> 409). */
  async create(user: NewUser): Promise<User> {
    const [row] = await this.db.query(
      `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
       RETURNING id, email, name, created_at`,
      [user.id, user.email, user.name, user.passwordHash ?? null],
    );
    this.remember(user.id);
    return toUser(row);
  }

  findById(id: string): Promise<User | null> {
    return this.db.getRepository(User).findOneBy({ id });
  }

  async findCredentials(email: string): Promise<{ id: string; passwordHash: string | null } | null> {
    const [row] = await this.db.query(`SELECT id, password_hash FROM users WHERE email = $1`, [email]);
    return row ? { id: row.id, passwordHash: row.password_hash } : null;
  }

  /**
   * Makes sure a user seen through a valid token has a row, creating it from the token's claims the
   * first time. An email already held by another account is left off rather than failing.
   */
  async ensureExists(claims: { sub: string; email?: string | null; name?: string | null }): Promise<void> {
    if (this.known.has(claims.sub)) return;
    const email = normaliseEmail(claims.email);
    const name = (claims.name?.trim() || email?.split('@')[0] || 'user').slice(0, 100);
    const inserted = await this.db.query(
      `INSERT INTO users (id, email, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`,
      [claims.sub, email, name],
    );
    if (!inserted.length && email) {
      await this.db.query(`INSERT INTO users (id, email, name) VALUES ($1, NULL, $2) ON CONFLICT (id) DO NOTHING`, [claims.sub, name]);
    }
    this.remember(claims.sub);
  }

  private remember(id: string): void {
    if (this.known.size >= KNOWN_USERS_MAX) this.known.clear();
    this.known.add(id);
  }
}

function normaliseEmail(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const value = email.trim().toLowerCase();
  return value.length > 0 && value.length <= 254 && value.includes('@') ? value : null;
}

function toUser(row: { id: string; email: string | null; name: string; created_at: Date }): User {
  return Object.assign(new User(), { id: row.id, email: row.email, name: row.name, createdAt: row.created_at });
}
