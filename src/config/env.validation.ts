/**
 * The one place that knows every environment variable the service reads: how to parse it, its
 * default, and what is wrong with a bad value. Start-up collects every problem at once and prints
 * one line per problem instead of failing on the first.
 */

export type NodeEnv = 'development' | 'production' | 'test';

export interface Env {
  nodeEnv: NodeEnv;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  logFormat: 'json' | 'pretty';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** A URL with a session of its own (not through a transaction pooler): migrations and LISTEN. */
  databaseDirectUrl: string | undefined;
  /** Whether hot statements are prepared by name: `auto` unless DATABASE_URL goes through a pooler. */
  dbPreparedStatements: 'auto' | 'on' | 'off';
  dbPoolSize: number;
  dbPoolRecycleSeconds: number;
  dbConnectAttempts: number;
  dbConnectRetryDelayMs: number;
  requestTimeoutMs: number;
  authSecret: string | undefined;
  accessTokenMinutes: number;
  refreshTokenDays: number;
  betterAuthUrl: string | undefined;
  betterAuthJwksUrl: string | undefined;
  betterAuthIssuer: string | undefined;
  betterAuthAudience: string | undefined;
  corsOrigins: string[];
  authRateLimit: number;
  /** Fastify's trustProxy: whose X-Forwarded-For to believe for the client address. */
  trustProxy: boolean | number | string;
  metricsEnabled: boolean;
  /** Days of deletion history kept for GET /api/sync; an older cursor is 410. */
  syncRetentionDays: number;
  /** Open GET /api/events streams per user (per instance). */
  eventStreamsPerUser: number;
  eventCatchUpMs: number;
  /** How often each instance looks for due reminders; at most 4 s, so that none is late by more than 5 s. */
  reminderPollMs: number;
}

export const MIN_PRODUCTION_SECRET_LENGTH = 32;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const PLACEHOLDER_SECRETS = /^(change[-_ ]?me|secret|your[-_].*|replace[-_ ]?me|example|x+)$/i;

type Raw = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];

  constructor(private readonly raw: Raw) {}

  string(name: string): string | undefined {
    const value = this.raw[name]?.trim();
    return value ? value : undefined;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      this.problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${text}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const value = text.toLowerCase() as T;
    if (!allowed.includes(value)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')}, got "${text}"`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const value = text.toLowerCase();
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name}: must be true or false, got "${text}"`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    try {
      const url = new URL(text);
      if (!protocols.includes(url.protocol)) throw new Error('protocol');
      return text;
    } catch {
      this.problems.push(
        `${name}: must be a ${protocols.map((p) => p + '//').join(' or ')} URL, got "${redact(text)}"`,
      );
      return undefined;
    }
  }
}

/** Hides the password of a URL so a configuration error never prints a credential. */
function redact(text: string): string {
  return text.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

/** TRUST_PROXY: unset/false, true, a number of proxy hops, or comma-separated proxy addresses/CIDRs. */
function trustProxyOf(reader: Reader): boolean | number | string {
  const text = reader.string('TRUST_PROXY');
  if (text === undefined || /^false$/i.test(text)) return false;
  if (/^true$/i.test(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

function nodeEnvOf(reader: Reader, raw: Raw): NodeEnv {
  const name = raw.NODE_ENV?.trim() ? 'NODE_ENV' : 'ENVIRONMENT';
  const value = reader.oneOf(name, ['development', 'production', 'test', 'dev', 'prod'] as const, 'development');
  return value === 'dev' ? 'development' : value === 'prod' ? 'production' : value;
}

export function parseEnv(raw: Raw): { env: Env; problems: string[] } {
  const r = new Reader(raw);
  const nodeEnv = nodeEnvOf(r, raw);

  const authSecret = r.string('BETTER_AUTH_SECRET');
  if (nodeEnv === 'production') {
    if (!authSecret) {
      r.problems.push(
        'BETTER_AUTH_SECRET: is required in production (at least 32 random characters, e.g. `openssl rand -base64 32`)',
      );
    } else if (authSecret.length < MIN_PRODUCTION_SECRET_LENGTH || PLACEHOLDER_SECRETS.test(authSecret)) {
      r.problems.push(
        `BETTER_AUTH_SECRET: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} random characters in production, not a placeholder`,
      );
    }
  }

  const origins = new Set(
    (r.string('CORS_ALLOWED_ORIGINS') ?? 'http://localhost:3000')
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  );
  const frontendUrl = r.url('FRONTEND_URL', ['http:', 'https:']);
  if (frontendUrl) origins.add(new URL(frontendUrl).origin);
  for (const origin of origins) {
    if (origin === '*') continue;
    try {
      if (new URL(origin).origin !== origin) throw new Error('not an origin');
    } catch {
      r.problems.push(`CORS_ALLOWED_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    }
  }

  const env: Env = {
    nodeEnv,
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    // People read development logs; machines read the rest.
    logFormat: r.oneOf('LOG_FORMAT', ['json', 'pretty'] as const, nodeEnv === 'development' ? 'pretty' : 'json'),
    port: r.int('PORT', 8000, 0, 65535),
    host: r.string('HOST') ?? '0.0.0.0',
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseDirectUrl: r.url('DATABASE_DIRECT_URL', ['postgres:', 'postgresql:']),
    dbPreparedStatements: r.oneOf('DB_PREPARED_STATEMENTS', ['auto', 'on', 'off'] as const, 'auto'),
    dbPoolSize: r.int('DB_POOL_SIZE', 10, 1, 1000),
    dbPoolRecycleSeconds: r.int('DB_POOL_RECYCLE', 300, 0, 86400),
    dbConnectAttempts: r.int('DB_CONNECT_ATTEMPTS', 5, 1, 100),
    dbConnectRetryDelayMs: r.int('DB_CONNECT_RETRY_DELAY_MS', 2_000, 0, 60_000),
    requestTimeoutMs: r.int('REQUEST_TIMEOUT_MS', 20_000, 100, 600_000),
    authSecret,
    accessTokenMinutes: r.int('ACCESS_TOKEN_EXPIRE_MINUTES', 60, 1, 60 * 24 * 30),
    refreshTokenDays: r.int('REFRESH_TOKEN_EXPIRE_DAYS', 30, 1, 3650),
    betterAuthUrl: r.url('BETTER_AUTH_URL', ['http:', 'https:']),
    betterAuthJwksUrl: r.url('BETTER_AUTH_JWKS_URL', ['http:', 'https:']),
    betterAuthIssuer: r.string('BETTER_AUTH_ISSUER'),
    betterAuthAudience: r.string('BETTER_AUTH_AUDIENCE'),
    corsOrigins: [...origins],
    authRateLimit: r.int('AUTH_RATE_LIMIT', 30, 0, 1_000_000),
    trustProxy: trustProxyOf(r),
    metricsEnabled: r.bool('METRICS_ENABLED', true),
    syncRetentionDays: r.int('SYNC_RETENTION_DAYS', 30, 1, 3650),
    eventStreamsPerUser: r.int('EVENT_STREAMS_PER_USER', 10, 1, 1000),
    eventCatchUpMs: r.int('EVENT_CATCH_UP_MS', 10_000, 100, 300_000),
    reminderPollMs: r.int('REMINDER_POLL_MS', 1_000, 50, 4_000),
  };
  if (env.databaseDirectUrl && r.string('DATABASE_URL') === undefined) {
    // The embedded PostgreSQL has no pooler in front of it; a direct URL alone names no database to pool.
    r.problems.push(
      'DATABASE_DIRECT_URL: is set but DATABASE_URL is not; set both, or neither for the embedded database',
    );
  }
  if (!env.authSecret && nodeEnv !== 'production') {
    r.problems.push('BETTER_AUTH_SECRET: is not set (the development secret under ./.data was not prepared)');
  }
  return { env, problems: r.problems };
}

/** Thrown when configuration is invalid; main.ts prints `problems` one per line and exits 1. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, or throws a ConfigError naming every problem. */
export function loadEnv(raw: Raw): Env {
  const { env, problems } = parseEnv(raw);
  if (problems.length) throw new ConfigError(problems);
  return env;
}
