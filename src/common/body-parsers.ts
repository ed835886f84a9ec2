import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

const FORM_PATH_PREFIX = '/api/auth/';

/**
 * Replaces Fastify's body parsers with the contract's rules:
 * - JSON with an empty body counts as no body (fetch wrappers send the header on every request);
 * - form bodies are accepted on the auth routes only; elsewhere they are 415 like any other type;
 * - no text/plain parser, so plain text is 415 rather than a string handed to validation.
 * Prototype-poisoning protection comes from Fastify's own JSON parser, which we delegate to.
 * Errors are Nest exceptions so the problem filter words them; Fastify's own (413, other 415s)
 * reach it as HttpExceptions with Fastify's message.
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

  // Not @fastify/formbody: that plugin is this same addContentTypeParser call for every route, with
  // fast-querystring. The 415 outside the auth routes would still need this wrapper around it, and
  // its repeated keys become arrays, where URLSearchParams keeps one string per field.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!request.url.startsWith(FORM_PATH_PREFIX)) {
      return done(new UnsupportedMediaTypeException('Unsupported content type: send application/json'), undefined);
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
