import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A person who owns tasks. `id` is text because it is also the `sub` of tokens minted elsewhere
 * (Better Auth's ids are not UUIDs); users who sign up here get a UUID.
 */
@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Lower-cased; null for users provisioned from a token that carried no (or a taken) email. */
  @Column({ type: 'text', nullable: true, unique: true })
  email: string | null;

  @Column({ type: 'text' })
  name: string;

  /** argon2id PHC string; null for users who only ever sign in through another issuer. */
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
