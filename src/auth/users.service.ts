import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { User } from './entities/user.entity.js';
import { type Credentials, UsersRepository } from './users.repository.js';

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
  private readonly known = new LRUCache<string, true>({ max: KNOWN_USERS_MAX });

  constructor(private readonly users: UsersRepository) {}

  /** Inserts a user; a taken email surfaces as PostgreSQL's unique violation (23505 -> 409). */
  async create(user: NewUser): Promise<User> {
    const created = await this.users.insert({ ...user, passwordHash: user.passwordHash ?? null });
    this.known.set(user.id, true);
    return created;
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  findCredentials(email: string): Promise<Credentials | null> {
    return this.users.findCredentials(email);
  }

  /** Whether the user is known to have a row: ensureExists() would do nothing. */
  isKnown(id: string): boolean {
    return this.known.get(id) === true;
  }

  /**
   * Makes sure a user seen through a valid token has a row, creating it from the token's claims the
   * first time. An email already held by another account is left off rather than failing.
   */
  async ensureExists(claims: { sub: string; email?: string | null; name?: string | null }): Promise<void> {
    if (this.known.get(claims.sub)) return;
    const email = normaliseEmail(claims.email);
    const name = (claims.name?.trim() || email?.split('@')[0] || 'user').slice(0, 100);
    const inserted = await this.users.insertIfAbsent({ id: claims.sub, email, name });
    if (!inserted && email) await this.users.insertWithoutEmailIfAbsent(claims.sub, name);
    this.known.set(claims.sub, true);
  }
}

function normaliseEmail(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const value = email.trim().toLowerCase();
  return value.length > 0 && value.length <= 254 && value.includes('@') ? value : null;
}
