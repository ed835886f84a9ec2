import { configNamespace } from './config-namespace.js';

export const syncConfig = configNamespace('sync', (env) => ({
  retentionDays: env.syncRetentionDays,
  streamsPerUser: env.eventStreamsPerUser,
  reminderPollMs: env.reminderPollMs,
}));
