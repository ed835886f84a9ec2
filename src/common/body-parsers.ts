import type { FastifyInstance } from 'fastify';

const FORM_PATH_PREFIX = '/api/auth/';

/**
 * Replaces Fastify's body parsers with the contract's rules:
 * - JSON with an empty body counts as no body (fetch wrappers send the header on every request);
 * - form bodies are accepted on the auth routes only; elsewhere they are 415 like any other type;
 * - text/plain is not accepted anywhere (Fastify parses it by default, which would hand a string to
 *   validation and make a wrong content type a 422 instead of a 415).
 * Prototype-poisoning protection comes from Fastify's own JSON parser, which we delegate to.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  const defaultJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    defaultJson(request, body as string, done);
  });

  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!request.url.startsWith(FORM_PATH_PREFIX)) {
      const error = Object.assign(new Error('Unsupported content type: send application/json'), {
        statusCode: 415,
        code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      });
      return done(error, undefined);
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
