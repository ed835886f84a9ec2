import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { EventStream } from './event-stream.js';

/** A response whose socket is full until drain() is called. */
class SlowResponse extends EventEmitter {
  written: string[] = [];
  full = false;
  destroyed = false;
  writableEnded = false;
  write(text: string): boolean {
    this.written.push(text);
    return !this.full;
  }
  end(): void {
    this.writableEnded = true;
  }
  drain(): void {
    this.full = false;
    this.emit('drain');
  }
}

const user = { id: 'u1', email: null, issuer: 'service' as const };
const ids = (res: SlowResponse) => res.written.flatMap((text) => /^id: (.*)$/m.exec(text)?.[1] ?? []);

describe('EventStream', () => {
  it('sends each newer cursor once and skips what the client knows', () => {
    const res = new SlowResponse();
    const stream = new EventStream(user, res as unknown as ServerResponse, 3);
    stream.change(2);
    stream.change(3);
    stream.change(4);
    stream.change(4);
    expect(res.written).toEqual(['id: v1.4\nevent: change\ndata: {"cursor":"v1.4"}\n\n']);
  });

  it('coalesces changes while the socket is full into the newest, and skips heartbeats', () => {
    const res = new SlowResponse();
    const stream = new EventStream(user, res as unknown as ServerResponse, 0);
    res.full = true;
    stream.change(1);
    stream.change(2);
    stream.heartbeat();
    stream.change(5);
    expect(ids(res)).toEqual(['v1.1']);
    res.drain();
    expect(ids(res)).toEqual(['v1.1', 'v1.5']);
    stream.heartbeat();
    expect(res.written.at(-1)).toBe(':\n\n');
  });

  it('queues reminders while the socket is full, in order, before the coalesced change', () => {
    const res = new SlowResponse();
    const stream = new EventStream(user, res as unknown as ServerResponse, 0);
    res.full = true;
    stream.change(1);
    stream.reminder({ task_id: 1, title: 'a', remind_at: '2026-12-01T09:00:00.000Z' });
    stream.change(2);
    stream.reminder({ task_id: 2, title: 'b', remind_at: '2026-12-01T09:00:00.000Z' });
    res.drain();
    const kinds = res.written.map((text) => /^event: (\w+)$/m.exec(text)?.[1]);
    expect(kinds).toEqual(['change', 'reminder', 'reminder', 'change']);
    expect(res.written[1]).toBe(
      'event: reminder\ndata: {"task_id":1,"title":"a","remind_at":"2026-12-01T09:00:00.000Z"}\n\n',
    );
    expect(ids(res)).toEqual(['v1.1', 'v1.2']);
  });

  it('a forced change resends the current cursor (after the listener reconnects)', () => {
    const res = new SlowResponse();
    const stream = new EventStream(user, res as unknown as ServerResponse, 0);
    stream.change(7);
    stream.change(7, true);
    expect(ids(res)).toEqual(['v1.7', 'v1.7']);
  });

  it('writes nothing once ended', () => {
    const res = new SlowResponse();
    const stream = new EventStream(user, res as unknown as ServerResponse, 0);
    stream.end();
    stream.change(1);
    stream.heartbeat();
    expect(res.written).toEqual([]);
    expect(res.writableEnded).toBe(true);
  });
});
