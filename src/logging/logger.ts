import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Env } from '../config/env.validation.js';

/**
 * Whatever is logged, these never reach the output: credentials in headers, and passwords and
 * tokens wherever an object carrying them is logged (top level or one level down).
 */
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  ...['password', 'token', 'refresh_token', 'access_token', 'secret'].flatMap((key) => [key, `*.${key}`]),
];

export const REDACTED = '[Redacted]';

/**
 * The one logger of the process: Fastify's request logs and Nest's logs both write through it, as
 * JSON lines for machines or as readable lines for a person at a terminal.
 */
export function createLogger(
  { logLevel, logFormat }: Pick<Env, 'logLevel' | 'logFormat'>,
  destination: DestinationStream = process.stdout,
): Logger {
  const options = { level: logLevel, redact: { paths: REDACTED_PATHS, censor: REDACTED } };
  if (logFormat === 'json') return pino(options, destination);
  const prettify = prettyFactory({
    colorize: (destination as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The message already says method, route, status and duration.
    ignore: 'pid,hostname,context,method,route,status,duration_ms',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  // Formatted in-process and synchronously: no worker thread, and nothing lost on exit.
  return pino(options, { write: (line: string) => destination.write(prettify(line)) });
}
