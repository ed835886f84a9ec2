import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface ServerSentEvent {
  event: string;
  id?: string;
  data: string;
}

/** A GET /api/events response read as a browser's fetch-based client would, event by event. */
export interface EventStreamClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every event received so far (comments excluded). */
  events: ServerSentEvent[];
  /** Comment lines received so far (heartbeats). */
  comments: number;
  /** The body as received, for responses that are not streams (errors). */
  body(): string;
  /** Resolves with the first event, received or to come, that matches. */
  next(match: (event: ServerSentEvent) => boolean, timeoutMs?: number): Promise<ServerSentEvent>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
}

/** The base URL of an app listening on a random port of 127.0.0.1. */
export async function listen(app: NestFastifyApplication): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

export function openEventStream(
  baseUrl: string,
  token: string | undefined,
  headers: Record<string, string> = {},
  path = '/api/events',
): Promise<EventStreamClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${path}`, {
      headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const events: ServerSentEvent[] = [];
      const waiters = new Set<() => void>();
      let raw = '';
      let buffer = '';
      let comments = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments++;
            const at = line.indexOf(':');
            if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, '');
          }
          if (fields.event || fields.data)
            events.push({ event: fields.event ?? 'message', id: fields.id, data: fields.data });
        }
        for (const waiter of waiters) waiter();
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      });
      let isEnded = false;
      void ended.then(() => {
        isEnded = true;
        for (const waiter of waiters) waiter();
      });

      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        get comments() {
          return comments;
        },
        body: () => raw,
        next(match, timeoutMs = 10_000) {
          return new Promise((found, fail) => {
            const check = () => {
              const event = events.find(match);
              if (event) {
                waiters.delete(check);
                clearTimeout(timer);
                found(event);
              } else if (isEnded) {
                waiters.delete(check);
                clearTimeout(timer);
                fail(new Error(`the stream ended without such an event; got ${JSON.stringify(events)}`));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        ended,
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}
