import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { currentRequestLogger } from './request-context.js';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's Logger, written through pino: the same format and redaction as the request lines, and,
 * inside a request, that request's id.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest's ExceptionHandler logs only a failed bootstrap, which main.ts reports in one clear line;
    // its copy, stack and all, is kept for LOG_LEVEL=debug.
    const bootstrapFailure = params[params.length - 1] === 'ExceptionHandler';
    this.write(bootstrapFailure ? 'debug' : 'error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  /** Nest passes the context last, and for errors a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const logger = currentRequestLogger() ?? this.root;
    const context =
      params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = params.find((p): p is string => typeof p === 'string');
    if (message instanceof Error) {
      logger[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ context, ...message });
    } else {
      logger[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
