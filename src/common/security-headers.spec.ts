import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { HELMET_OPTIONS, registerSecurityHeaders, SECURITY_HEADERS } from './security-headers.js';

describe('security headers', () => {
  const routes = (fastify: FastifyInstance) => {
    fastify.get('/ok', () => ({ ok: true }));
    fastify.get('/fails', () => {
      throw new Error('boom');
    });
    return fastify;
  };
  // The reference: helmet's middleware run on every request.
  const middleware = helmet(HELMET_OPTIONS);
  const perRequest = routes(Fastify()).addHook('onRequest', (request, reply, done) =>
    middleware(request.raw, reply.raw, () => done()),
  );
  const precomputed = Fastify();
  registerSecurityHeaders(precomputed);
  routes(precomputed);
  afterAll(() => Promise.all([perRequest.close(), precomputed.close()]));

  it('are the set and the values helmet sets, on successes, errors and 404s', async () => {
    for (const url of ['/ok', '/fails', '/nowhere']) {
      const [expected, actual] = await Promise.all([perRequest.inject(url), precomputed.inject(url)]);
      const helmetNames = Object.keys(expected.headers).filter((name) => name in SECURITY_HEADERS);
      expect(helmetNames.sort()).toEqual(Object.keys(SECURITY_HEADERS).sort());
      for (const name of helmetNames)
        expect([url, name, actual.headers[name]]).toEqual([url, name, expected.headers[name]]);
      expect(actual.statusCode).toBe(expected.statusCode);
    }
  });

  it('include the CSP Swagger UI needs, without upgrade-insecure-requests', () => {
    expect(SECURITY_HEADERS['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(SECURITY_HEADERS['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(SECURITY_HEADERS['x-content-type-options']).toBe('nosniff');
    expect(Object.isFrozen(SECURITY_HEADERS)).toBe(true);
  });
});
