import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * A person who owns tasks. `id` is text because it is also the `sub` of tokens minted elsewhere
 * (Better Auth's ids are not UUIDs); users who sign up here get a UUID.
 *
 * Constraint names are PostgreSQL's defaults, as the initial migration created them.
 */
@Entity({ name: 'users' })
@Unique('users_email_key', ['email'])
@Check('users_id_check', 'length(id) BETWEEN 1 AND 255')
@Check('users_email_check', 'email = lower(email)')
export class User {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'users_pkey' })
  id: string;

  /** Lower-cased; null for users provisioned from a token that carried no (or a taken) email. */
  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ type: 'text' })
  name: string;

  /** argon2id PHC string; null for users who only ever sign in through another issuer. */
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
