import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { registerBodyParsers } from './common/body-parsers';
import { loadEnv } from './config/env.validation';
import { SERVICE_NAME, SERVICE_VERSION } from './service-info';

export const BODY_LIMIT_BYTES = 64 * 1024;

const NEST_LOG_LEVELS: Record<string, LogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export interface CreateAppOptions {
  /** Overrides LOG_LEVEL (tests pass `false` to keep their output clean). */
  logger?: false | LogLevel[];
}

/**
 * Builds the fully configured application, ready to listen or to be driven with inject(). main.ts
 * and the e2e tests both use this, so tests exercise exactly what production runs.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const env = loadEnv();
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, return503OnClosing: true });
  registerBodyParsers(adapter.getInstance());

  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    bodyParser: false,
    abortOnError: false,
    logger: options.logger ?? NEST_LOG_LEVELS[env.logLevel],
  });

  // helmet's middleware is built once here: @fastify/helmet rebuilt it on every request, which
  // cost about a third of the CPU of a simple authenticated GET.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI styles itself inline and shows its validator badge from swagger.io.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https://validator.swagger.io'],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, () => done()));

  const origins = new Set(env.corsOrigins);
  app.enableCors({
    origin: (origin, done) => done(null, origin !== undefined && (origins.has('*') || origins.has(origin))),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Location', 'Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Todo API')
      .setDescription(
        'Tasks for a Next.js todo app. Sign up or sign in under `auth`, press **Authorize** and paste the `token`. ' +
          'Tokens from Better Auth (jwt plugin) are accepted too. Errors are RFC 9457 problem+json.',
      )
      .setVersion(SERVICE_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: `${SERVICE_NAME} docs`,
    swaggerOptions: { persistAuthorization: true },
  });

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
