import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

const FORM_PATH_PREFIX = '/api/auth/';

/**
 * Replaces Fastify's body parsers with the contract's rules: an empty JSON body is no body (fetch
 * wrappers send the header on every request); form bodies on the auth routes only, 415 elsewhere;
 * no text/plain parser, so plain text is 415, not a string for validation. Fastify's own JSON parser
 * still guards against prototype poisoning; errors are Nest exceptions, for the problem filter.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  const defaultJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    // Fastify's JSON parser answers through the callback; its return value is nothing to wait for.
    void defaultJson(request, body as string, (error, value) => {
      if (error) return done(new BadRequestException('The request body is not valid JSON'), undefined);
      done(null, value);
    });
  });

  // Not @fastify/formbody: it is this same call for every route, the 415 elsewhere would still need
  // this wrapper, and its repeated keys become arrays where URLSearchParams keeps one string per field.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!request.url.startsWith(FORM_PATH_PREFIX)) {
      return done(new UnsupportedMediaTypeException('Unsupported content type: send application/json'), undefined);
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
