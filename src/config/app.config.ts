import { configNamespace } from './config-namespace.js';

export const appConfig = configNamespace('app', (env) => ({
  metricsEnabled: env.metricsEnabled,
}));
