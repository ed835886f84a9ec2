import Fastify, { type FastifyInstance } from 'fastify';
import { VERSION } from './etag.js';
import { registerResourceHeaders } from './resource-headers.hook.js';

/** The hook knows no resource: any route that returns a versioned body gets its headers. */
describe('registerResourceHeaders', () => {
  let fastify: FastifyInstance;
  const thing = (id: number, version: number) => ({ id, name: 'x', [VERSION]: version });

  beforeAll(async () => {
    fastify = Fastify();
    registerResourceHeaders(fastify);
    for (const base of ['/api/things', '/api/:userId/things']) {
      fastify.post(base, async (_request, reply) => reply.code(201).send(thing(5, 1)));
      fastify.get(`${base}/:id`, () => thing(5, 2));
      fastify.get(base, () => ({ items: [thing(5, 2)], total: 1, limit: 50, offset: 0 }));
    }
    fastify.post('/api/actions', () => thing(6, 1));
    fastify.get('/plain', () => ({ id: 1 }));
    await fastify.ready();
  });
  afterAll(() => fastify.close());

  it.each(['/api/things', '/api/u1/things'])(
    'on a 201 from %s: Location under that path, and the ETag',
    async (base) => {
      const response = await fastify.inject({ method: 'POST', url: `${base}?dry=1` });
      expect(response.statusCode).toBe(201);
      expect(response.headers.location).toBe(`${base}/5`);
      expect(response.headers.etag).toBe('"5-1"');
      expect(response.json()).toEqual({ id: 5, name: 'x' });
    },
  );

  it('gives a read its ETag and no Location', async () => {
    const response = await fastify.inject({ method: 'GET', url: '/api/things/5' });
    expect(response.headers.etag).toBe('"5-2"');
    expect(response.headers.location).toBeUndefined();
  });

  it('gives no Location to a POST that created nothing (not 201)', async () => {
    const response = await fastify.inject({ method: 'POST', url: '/api/actions' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"6-1"');
    expect(response.headers.location).toBeUndefined();
  });

  it('gives a page of versioned items a weak ETag, and an unversioned body none', async () => {
    expect((await fastify.inject({ method: 'GET', url: '/api/things' })).headers.etag).toMatch(/^W\/"[^"]+"$/);
    expect((await fastify.inject({ method: 'GET', url: '/plain' })).headers.etag).toBeUndefined();
  });
});
