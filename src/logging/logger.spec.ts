import { createLogger } from './logger.js';

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
});
