import { errorCodes, type FastifyInstance, type FastifyReply } from 'fastify';

const TIMER = Symbol('handlerTimer');

type Timed = { [TIMER]?: NodeJS.Timeout };

/**
 * A request not answered within `ms` gets Fastify's FST_ERR_HANDLER_TIMEOUT (the problem filter's
 * 503), as Fastify's own `handlerTimeout` option answers it. That option also makes an
 * AbortController per request and aborts it when the request closes, answered or not; an abort
 * builds a DOMException with its stack, 30 to 40 µs of every request, for a `request.signal` that
 * nothing here reads. A timer per request, cleared once the response is done, is all the rule needs.
 */
export function registerHandlerTimeout(fastify: FastifyInstance, ms: number): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    (request as Timed)[TIMER] = setTimeout(timedOut, ms, reply, ms);
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    clearTimeout((request as Timed)[TIMER]);
    done();
  });
  // A client gone before its request arrived: no response follows.
  fastify.addHook('onRequestAbort', (request, done) => {
    clearTimeout((request as Timed)[TIMER]);
    done();
  });
}

function timedOut(reply: FastifyReply, ms: number): void {
  if (reply.sent) return;
  const error = new errorCodes.FST_ERR_HANDLER_TIMEOUT(ms, reply.request.routeOptions.url);
  // A response already on its way (headers written) cannot turn into an error: it is cut off.
  if (reply.raw.headersSent) {
    reply.raw.destroy(error);
    return;
  }
  reply.send(error);
}
