import { configNamespace } from './config-namespace.js';

export const authConfig = configNamespace('auth', (env) => {
  const origin = env.betterAuthUrl ? new URL(env.betterAuthUrl).origin : undefined;
  return {
    secret: env.authSecret as string,
    accessTokenTtlSeconds: env.accessTokenMinutes * 60,
    refreshTokenTtlSeconds: env.refreshTokenDays * 24 * 3600,
    rateLimitPerMinute: env.authRateLimit,
    betterAuth: {
      jwksUrl:
        env.betterAuthJwksUrl ??
        (env.betterAuthUrl ? `${env.betterAuthUrl.replace(/\/+$/, '')}/api/auth/jwks` : undefined),
      issuer: env.betterAuthIssuer ?? origin,
      audience: env.betterAuthAudience ?? origin,
    },
  };
});
