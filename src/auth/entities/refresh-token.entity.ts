import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { AuthSession } from './auth-session.entity.js';
import { User } from './user.entity.js';

/** A refresh token, stored only as its SHA-256 so a database leak yields nothing usable. */
@Entity({ name: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryColumn({ name: 'token_hash', type: 'bytea', primaryKeyConstraintName: 'refresh_tokens_pkey' })
  tokenHash: Buffer;

  @Index('refresh_tokens_session_id_idx')
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  /** Declared for the foreign key; never loaded (queries use `sessionId`). */
  @ManyToOne(() => AuthSession, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'refresh_tokens_session_id_fkey' })
  session?: Relation<AuthSession>;

  /** The session's user, on the row itself so the table can be distributed by user. */
  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** Declared for the foreign key; never loaded. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'refresh_tokens_user_id_fkey' })
  user?: Relation<User>;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt: Date;

  /** Set when the token is exchanged; a second exchange is reuse and revokes the session. */
  @Column({ name: 'used_at', type: 'timestamptz', precision: 3, nullable: true })
  usedAt: Date | null;
}
