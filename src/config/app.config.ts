import { registerAs } from '@nestjs/config';
import { loadEnv } from './env.validation.js';

export const appConfig = registerAs('app', () => {
  const env = loadEnv();
  return {
    nodeEnv: env.nodeEnv,
    production: env.nodeEnv === 'production',
    logLevel: env.logLevel,
    port: env.port,
    host: env.host,
    corsOrigins: env.corsOrigins,
    metricsEnabled: env.metricsEnabled,
  };
});
