import { configNamespace } from './config-namespace.js';

export const syncConfig = configNamespace('sync', (env) => ({
  retentionDays: env.syncRetentionDays,
  streamsPerUser: env.eventStreamsPerUser,
  catchUpMs: env.eventCatchUpMs,
  reminderPollMs: env.reminderPollMs,
}));
