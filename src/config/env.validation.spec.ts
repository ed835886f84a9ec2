import { ConfigError, loadEnv, parseEnv } from './env.validation.js';

const SECRET = 's'.repeat(40);

/** What `run` throws, or undefined when it returns: an assertion on it runs either way. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const { env, problems } = parseEnv({ BETTER_AUTH_SECRET: 'dev' });
    expect(problems).toEqual([]);
    expect(env).toMatchObject({
      nodeEnv: 'development',
      logLevel: 'info',
      port: 8000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dbPoolSize: 10,
      dbPoolRecycleSeconds: 300,
      accessTokenMinutes: 60,
      refreshTokenDays: 30,
      corsOrigins: ['http://localhost:3000'],
      authRateLimit: 30,
      syncRetentionDays: 30,
      eventStreamsPerUser: 10,
      reminderPollMs: 1000,
    });
  });

  it('reports every problem at once, one line each, naming the variable', () => {
    const { problems } = parseEnv({
      NODE_ENV: 'production',
      PORT: 'eighty',
      DB_POOL_SIZE: '0',
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      LOG_LEVEL: 'loud',
      CORS_ALLOWED_ORIGINS: 'http://ok.example,not a url',
    });
    expect(problems).toHaveLength(6);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['BETTER_AUTH_SECRET', 'CORS_ALLOWED_ORIGINS', 'DATABASE_URL', 'DB_POOL_SIZE', 'LOG_LEVEL', 'PORT'].sort(),
    );
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses short or placeholder secrets in production only', () => {
    expect(parseEnv({ NODE_ENV: 'production', BETTER_AUTH_SECRET: 'short' }).problems).toHaveLength(1);
    expect(parseEnv({ NODE_ENV: 'production', BETTER_AUTH_SECRET: 'change-me' }).problems).toHaveLength(1);
    expect(parseEnv({ NODE_ENV: 'production', BETTER_AUTH_SECRET: SECRET }).problems).toEqual([]);
    expect(parseEnv({ NODE_ENV: 'development', BETTER_AUTH_SECRET: 'short' }).problems).toEqual([]);
  });

  it('reads ENVIRONMENT when NODE_ENV is unset, with short names', () => {
    expect(parseEnv({ ENVIRONMENT: 'prod', BETTER_AUTH_SECRET: SECRET }).env.nodeEnv).toBe('production');
    expect(parseEnv({ NODE_ENV: 'test', ENVIRONMENT: 'prod', BETTER_AUTH_SECRET: SECRET }).env.nodeEnv).toBe('test');
  });

  it('accepts postgres:// and postgresql:// URLs, with sslmode for hosted databases', () => {
    for (const url of ['postgres://u:p@h:5432/db', 'postgresql://u:p@ep-x.neon.tech/db?sslmode=require']) {
      expect(parseEnv({ BETTER_AUTH_SECRET: SECRET, DATABASE_URL: url }).env.databaseUrl).toBe(url);
    }
  });

  it('adds FRONTEND_URL to the CORS origins, as an origin', () => {
    const { env } = parseEnv({
      BETTER_AUTH_SECRET: SECRET,
      CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example/',
      FRONTEND_URL: 'https://c.example/app',
    });
    expect(env.corsOrigins).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
  });

  it('takes DATABASE_DIRECT_URL beside DATABASE_URL, and DB_PREPARED_STATEMENTS as auto, on or off', () => {
    const pooled = 'postgres://u:p@pooler.example:6543/db';
    const direct = 'postgres://u:p@db.example:5432/db';
    const { env, problems } = parseEnv({
      BETTER_AUTH_SECRET: SECRET,
      DATABASE_URL: pooled,
      DATABASE_DIRECT_URL: direct,
    });
    expect(problems).toEqual([]);
    expect(env).toMatchObject({ databaseUrl: pooled, databaseDirectUrl: direct, dbPreparedStatements: 'auto' });
    expect(parseEnv({ BETTER_AUTH_SECRET: SECRET, DB_PREPARED_STATEMENTS: 'OFF' }).env.dbPreparedStatements).toBe(
      'off',
    );
    expect(parseEnv({ BETTER_AUTH_SECRET: SECRET, DB_PREPARED_STATEMENTS: 'sometimes' }).problems).toEqual([
      'DB_PREPARED_STATEMENTS: must be one of auto, on, off, got "sometimes"',
    ]);
    // Without DATABASE_URL the embedded database runs, with no pooler in front: a direct URL alone is a mistake.
    expect(parseEnv({ BETTER_AUTH_SECRET: SECRET, DATABASE_DIRECT_URL: direct }).problems).toEqual([
      'DATABASE_DIRECT_URL: is set but DATABASE_URL is not; set both, or neither for the embedded database',
    ]);
  });

  it('allows AUTH_RATE_LIMIT=0 to turn the limit off', () => {
    expect(parseEnv({ BETTER_AUTH_SECRET: SECRET, AUTH_RATE_LIMIT: '0' }).env.authRateLimit).toBe(0);
  });

  it('loadEnv throws a ConfigError carrying the problems', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(ConfigError);
    const thrown = thrownBy(() => loadEnv({ NODE_ENV: 'production', PORT: '-1' }));
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^BETTER_AUTH_SECRET: /),
      expect.stringMatching(/^PORT: /),
    ]);
  });
});
