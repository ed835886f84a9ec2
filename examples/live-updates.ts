/**
 * Every device in step: a Next.js app keeps its copy of the user's tasks with GET /api/sync and
 * learns when to call it from GET /api/events (docs/live-updates.md).
 *
 * The browser's EventSource cannot send an Authorization header, and the API never takes a token
 * in the query string, so the stream is read with fetch, through @microsoft/fetch-event-source.
 */
import { EventStreamContentType, fetchEventSource } from '@microsoft/fetch-event-source';
import type { components } from '../openapi/schema';
import { api, API_URL, bearerToken } from './nextjs-client';

export type SyncPage = components['schemas']['SyncPageDto'];

/**
 * What a store does with a page: upsert `tasks` and `categories`, remove `deleted.tasks` and
 * `deleted.categories`, remember `cursor`. A category's `task_count`/`pending_count` are not sent
 * again when only they change: count from the tasks held (their `category_ids`).
 */
export interface SyncTarget {
  apply(page: SyncPage): void;
  /** The server no longer has the history since our cursor (410): drop everything, refetch. */
  reset(): void;
}

/** Pulls every change after `cursor` (everything when undefined), page by page; the new cursor. */
export async function pullChanges(cursor: string | undefined, target: SyncTarget): Promise<string> {
  for (;;) {
    const { data, response } = await api.GET('/api/sync', { params: { query: cursor ? { cursor } : {} } });
    if (response.status === 410) {
      target.reset();
      cursor = undefined;
      continue;
    }
    if (!data) throw new Error(`GET /api/sync failed with ${response.status}`);
    target.apply(data);
    cursor = data.cursor;
    if (!data.has_more) return cursor;
  }
}

/** Thrown to end one connection and make the loop below open the next with a fresh token. */
class Reconnect extends Error {}

/**
 * Calls `onChange` with the new cursor after every committed change of the signed-in user, from any
 * device; returns a function that stops listening. The server ends the stream when the token expires
 * or the session signs out, so each connection asks Better Auth for a current token, and resumes
 * with Last-Event-ID: nothing that happened in between is lost.
 */
export function watchChanges(onChange: (cursor: string) => void): () => void {
  const stop = new AbortController();
  let lastEventId: string | undefined;
  let retryMs = 1_000;

  const connectOnce = async (token: string) =>
    fetchEventSource(`${API_URL}/api/events`, {
      signal: stop.signal,
      headers: { Authorization: `Bearer ${token}`, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
      // A hidden tab still wants to be current when it comes back.
      openWhenHidden: true,
      onopen: (response) => {
        const type = response.headers.get('content-type') ?? '';
        if (response.ok && type.startsWith(EventStreamContentType)) {
          retryMs = 1_000;
          return Promise.resolve();
        }
        // 401: token expired or signed out; 429: too many tabs open. Either way, later.
        return Promise.reject(new Reconnect(`GET /api/events answered ${response.status}`));
      },
      onmessage: (message) => {
        if (message.event !== 'change') return;
        lastEventId = message.id;
        onChange((JSON.parse(message.data) as { cursor: string }).cursor);
      },
      onclose: () => {
        throw new Reconnect('the server ended the stream');
      },
      onerror: (error: unknown) => {
        // Rethrowing stops the library's own retry, which would reuse the old token.
        throw error;
      },
    });

  void (async () => {
    while (!stop.signal.aborted) {
      // Offline, Better Auth's token call throws too: that must wait like any failed connection,
      // not end the loop.
      const token = await bearerToken().catch(() => undefined);
      if (token) await connectOnce(token).catch(() => undefined);
      if (stop.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 30_000);
    }
  })();
  return () => stop.abort();
}

/** The pieces together, as a React effect would use them. */
export function keepInStep(target: SyncTarget, initialCursor?: string): () => void {
  let cursor = initialCursor;
  let pulling: Promise<void> = Promise.resolve();
  const pull = () => {
    pulling = pulling
      .then(async () => {
        cursor = await pullChanges(cursor, target);
      })
      // The next change event (or the reconnection's) pulls again.
      .catch(() => undefined);
  };
  pull();
  return watchChanges(pull);
}
