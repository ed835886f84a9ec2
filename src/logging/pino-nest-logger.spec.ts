import Fastify, { type FastifyBaseLogger } from 'fastify';
import { createLogger } from './logger.js';
import { PinoNestLogger } from './pino-nest-logger.js';
import { registerRequestContext, requestId } from './request-context.js';
import { RequestLogController } from './request-logging.js';

describe('PinoNestLogger', () => {
  const output: string[] = [];
  const root = createLogger({ logLevel: 'trace', logFormat: 'json' }, { write: (chunk: string) => output.push(chunk) });
  const logger = new PinoNestLogger(root);
  const last = () => JSON.parse(output[output.length - 1]) as Record<string, unknown>;

  beforeEach(() => (output.length = 0));

  it("maps Nest's levels, context and error stack onto pino", () => {
    logger.log('started', 'Bootstrap');
    expect(last()).toMatchObject({ level: 30, context: 'Bootstrap', msg: 'started' });
    logger.error('failed', 'Error: boom\n    at x', 'Jwks');
    expect(last()).toMatchObject({ level: 50, context: 'Jwks', msg: 'failed', stack: 'Error: boom\n    at x' });
    logger.verbose('detail');
    expect(last()).toMatchObject({ level: 10, msg: 'detail' });
  });

  describe('inside a request', () => {
    // Widened to Fastify's logger type, so the instance is typed as the app's is (not as a pino Logger).
    const loggerInstance: FastifyBaseLogger = root;
    const fastify = Fastify({
      loggerInstance,
      logController: new RequestLogController(),
      genReqId: requestId,
      requestIdHeader: false,
    });

    beforeAll(async () => {
      registerRequestContext(fastify);
      fastify.post('/', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        logger.warn('from a service', 'Tasks');
        return {};
      });
      await fastify.ready();
    });

    afterAll(() => fastify.close());

    // A POST with a body: the body's stream events must not lose the request's context.
    it("writes on the request's logger, so the line carries its id", async () => {
      const response = await fastify.inject({
        method: 'POST',
        url: '/',
        payload: { a: 1 },
        headers: { 'x-request-id': 'req-7' },
      });
      expect(response.headers['x-request-id']).toBe('req-7');
      const line = output.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'from a service');
      expect(line).toMatchObject({ level: 40, context: 'Tasks', request_id: 'req-7' });
    });
  });
});
