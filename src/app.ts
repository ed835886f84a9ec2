import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import pino, { type Logger } from 'pino';
import { AppModule } from './app.module.js';
import { registerHandlerTimeout } from './common/handler-timeout.js';
import { registerBodyParsers } from './common/body-parsers.js';
import { clientErrorHandler } from './common/client-error.js';
import { registerResourceHeaders } from './common/resource-headers.hook.js';
import { registerSecurityHeaders } from './common/security-headers.js';
import type { Env } from './config/env.validation.js';
import { createLogger } from './logging/logger.js';
import { PinoNestLogger } from './logging/pino-nest-logger.js';
import { registerRequestContext, requestId } from './logging/request-context.js';
import { RequestLogController } from './logging/request-logging.js';
import { MetricsService } from './metrics/metrics.service.js';
import { buildOpenApiDocument } from './openapi/openapi-document.js';
import { SERVICE_NAME } from './service-info.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** POST /api/sync/push carries up to 100 mutations: its own, larger limit. */
export const PUSH_BODY_LIMIT_BYTES = 1024 * 1024;
const PUSH_PATH = '/api/sync/push';

export interface CreateAppOptions {
  /** The parsed environment (main.ts: from process.env and .env, with the embedded database's URL). */
  env: Env;
  /** Where logs go: by default stdout per LOG_LEVEL and LOG_FORMAT; `false` silences them (tests). */
  logger?: false | Logger;
}

/**
 * Builds the fully configured application, ready to listen or to be driven with inject(). main.ts
 * and the e2e tests both use this, so tests exercise exactly what production runs.
 */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { env } = options;
  const logger = options.logger === false ? pino({ enabled: false }) : (options.logger ?? createLogger(env));
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Behind a proxy the client address (AUTH_RATE_LIMIT is counted per address) is in X-Forwarded-For.
    trustProxy: fastifyTrustProxy(env.trustProxy),
    loggerInstance: logger,
    logController: new RequestLogController(),
    requestIdHeader: false,
    genReqId: requestId,
    // No client waits on a silent socket: a request that takes REQUEST_TIMEOUT_MS to arrive is cut
    // off, and one not answered as long (a hung database, a lock held elsewhere) gets a 503
    // (registerHandlerTimeout, below).
    requestTimeout: env.requestTimeoutMs,
    clientErrorHandler,
  });
  registerBodyParsers(adapter.getInstance());
  registerHandlerTimeout(adapter.getInstance(), env.requestTimeoutMs);
  // Before Nest registers its routes: a route's own limit is set as the route is added.
  adapter.getInstance().addHook('onRoute', (route) => {
    if (route.url === PUSH_PATH) route.bodyLimit = PUSH_BODY_LIMIT_BYTES;
  });
  registerRequestContext(adapter.getInstance());
  registerResourceHeaders(adapter.getInstance());

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), adapter, {
    bodyParser: false,
    abortOnError: false,
    logger: new PinoNestLogger(logger),
  });
  app.get(MetricsService).registerHooks(adapter.getInstance());

  registerSecurityHeaders(adapter.getInstance());

  const origins = new Set(env.corsOrigins);
  app.enableCors({
    origin: (origin, done) => done(null, origin !== undefined && (origins.has('*') || origins.has(origin))),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'Last-Event-ID', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Location', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: `${SERVICE_NAME} docs`,
    swaggerOptions: { persistAuthorization: true },
  });

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * TRUST_PROXY for Fastify. Since 5.12 Fastify treats a bare hop count as "trust nothing" (it cannot
 * check who the nearest peer is), so a count becomes the predicate proxy-addr used to build from
 * it: believe the nearest N hops. Addresses/CIDRs remain the safer setting, as docs/sessions.md says.
 */
function fastifyTrustProxy(
  setting: boolean | number | string,
): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}
