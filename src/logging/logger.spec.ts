import { createLogger, REDACTED, redact } from './logger.js';

function capture(logFormat: 'json' | 'pretty') {
  const output: string[] = [];
  const logger = createLogger({ logLevel: 'info', logFormat }, { write: (chunk: string) => output.push(chunk) });
  return { logger, text: () => output.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines in the json format', () => {
    const { logger, text } = capture('json');
    logger.info({ route: '/api/tasks', status: 200 }, 'GET /api/tasks 200 1.5 ms');
    expect(JSON.parse(text())).toMatchObject({
      level: 30,
      route: '/api/tasks',
      status: 200,
      msg: 'GET /api/tasks 200 1.5 ms',
    });
  });

  it('writes one readable line in the pretty format, with the request id and context', () => {
    const { logger, text } = capture('pretty');
    logger
      .child({ request_id: 'r-1' })
      .info({ context: 'Bootstrap', route: '/api/tasks' }, 'GET /api/tasks 200 1.5 ms');
    const line = text();
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(line).toMatch(/INFO.*\[Bootstrap\] GET \/api\/tasks 200 1\.5 ms.*"request_id":"r-1"/);
    expect(() => JSON.parse(line) as unknown).toThrow();
  });

  it.each(['json', 'pretty'] as const)('redacts credentials wherever they are logged (%s)', (format) => {
    const { logger, text } = capture(format);
    logger.info({
      headers: { authorization: 'Bearer tok-1', cookie: 'sid=cookie-1' },
      req: { headers: { authorization: 'Bearer tok-2' } },
      password: 'pw-1',
      body: { password: 'pw-2', token: 'tok-3', refresh_token: 'tok-4' },
    });
    for (const secret of ['tok-1', 'cookie-1', 'tok-2', 'pw-1', 'pw-2', 'tok-3', 'tok-4'])
      expect(text()).not.toContain(secret);
    expect(text()).toContain('[Redacted]');
  });

  it('redacts child bindings too, and never changes the objects it was given', () => {
    const { logger, text } = capture('json');
    const body = Object.freeze({ password: 'pw-9', title: 'kept' });
    const headers = { authorization: 'Bearer tok-9', accept: '*/*' };
    logger.child({ token: 'tok-8' }).info({ body, req: { headers } });
    expect(text()).not.toMatch(/tok-8|tok-9|pw-9/);
    expect(JSON.parse(text())).toMatchObject({ body: { title: 'kept' }, req: { headers: { accept: '*/*' } } });
    expect(body.password).toBe('pw-9');
    expect(headers.authorization).toBe('Bearer tok-9');
  });
});

describe('redact', () => {
  it('censors exactly the REDACTED_PATHS: top level and one level down', () => {
    expect(
      redact({
        password: 'a',
        headers: { authorization: 'b', password: 'c', headers: { cookie: 'd' }, accept: 'e' },
        x: { token: 'f', deeper: { token: 'g' }, headers: { 'set-cookie': 'h', host: 'i' } },
      }),
    ).toEqual({
      password: REDACTED,
      headers: { authorization: REDACTED, password: REDACTED, headers: { cookie: REDACTED }, accept: 'e' },
      x: { token: REDACTED, deeper: { token: 'g' }, headers: { 'set-cookie': REDACTED, host: 'i' } },
    });
  });

  it('hands back the same object when there is nothing to censor (the request line)', () => {
    const line = { method: 'GET', route: '/api/tasks/:id', status: 200, duration_ms: 1.2 };
    expect(redact(line)).toBe(line);
  });

  it('keeps an Error an Error, with its message, when it censors a field of it', () => {
    const error = Object.assign(new Error('boom'), { secret: 's-1' });
    const censored = redact({ err: error }).err as Error & { secret: string };
    expect(censored).toBeInstanceOf(Error);
    expect([censored.message, censored.secret, error.secret]).toEqual(['boom', REDACTED, 's-1']);
  });
});
