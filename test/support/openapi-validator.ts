import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Checks a response the e2e suite observed against the committed OpenAPI document (which
 * test/openapi.e2e-spec.ts proves current): its status must be documented for that operation, its
 * body must fit the documented content type and schema, and the headers a client acts on must be
 * documented for that status. So a change of behaviour that the document does not follow fails the
 * test that saw it, with the operation and status named.
 *
 * Requests to paths or methods the document does not describe (an unknown route's 404, /docs,
 * /metrics, preflights) are not checked: no operation makes a promise about them.
 */
const DOCUMENT_FILE = join(import.meta.dirname, '..', '..', 'openapi', 'openapi.json');

/** Response headers with a meaning for API clients; the rest (security, CORS, X-Request-Id) are global. */
const CHECKED_HEADERS = ['etag', 'location', 'www-authenticate', 'retry-after'];

interface Response {
  description: string;
  headers?: Record<string, { schema?: { type?: string } }>;
  content?: Record<string, { schema?: object }>;
}
interface Operation {
  operationId: string;
  responses: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const document = JSON.parse(readFileSync(DOCUMENT_FILE, 'utf8')) as Document;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');

/** Each documented path as a matcher; static segments outrank parameters, as in Fastify's router. */
const routes = Object.entries(document.paths)
  .map(([template, item]) => {
    const segments = template.split('/');
    const pattern = new RegExp(
      `^${segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`,
    );
    const rank = segments.map((s) => (/^\{.+\}$/.test(s) ? 0 : 1)).join('');
    return { template, item, pattern, rank };
  })
  .sort((a, b) => b.rank.localeCompare(a.rank));

const validators = new Map<string, ValidateFunction>();
function validatorFor(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`openapi.json#${pointer}`);
    if (!validate) throw new Error(`openapi-validator: no schema at ${pointer}`);
    validators.set(pointer, validate);
  }
  return validate;
}

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** The ways a response departs from the document, empty when it conforms. */
export function documentDrift(method: string, url: string, response: LightMyRequestResponse): string[] {
  const path = url.split('?')[0];
  const route = routes.find((r) => r.pattern.test(path) && r.item[method.toLowerCase()]);
  if (!route) return [];
  const verb = method.toLowerCase();
  const operation = route.item[verb];
  const status = String(response.statusCode);
  const key = [status, `${status[0]}XX`, 'default'].find((k) => k in operation.responses);
  const where = `${method.toUpperCase()} ${route.template} (${operation.operationId}) -> ${status}`;
  if (!key) return [`${where}: status not documented (body: ${response.body.slice(0, 200)})`];
  const documented = operation.responses[key];
  const problems: string[] = [];

  const headers = Object.fromEntries(Object.keys(documented.headers ?? {}).map((h) => [h.toLowerCase(), h]));
  for (const header of CHECKED_HEADERS) {
    const value = response.headers[header];
    if (value === undefined) continue;
    const name = headers[header];
    if (!name) problems.push(`${where}: header ${header} not documented`);
    else if (documented.headers?.[name]?.schema?.type === 'integer' && !/^\d+$/.test(String(value))) {
      problems.push(`${where}: header ${header} is not an integer: ${String(value)}`);
    }
  }

  const contentType = String(response.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  if (!documented.content) {
    if (response.body !== '') problems.push(`${where}: a body is sent but none is documented`);
    return problems;
  }
  if (!(contentType in documented.content)) {
    problems.push(`${where}: content type ${contentType || '(none)'} not documented`);
    return problems;
  }
  if (!documented.content[contentType].schema || !contentType.endsWith('json')) return problems;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return [...problems, `${where}: the body is not JSON`];
  }
  const pointer = ['', 'paths', route.template, verb, 'responses', key, 'content', contentType, 'schema']
    .map(escape)
    .join('/');
  const validate = validatorFor(pointer);
  if (!validate(body)) {
    problems.push(
      `${where}: body does not fit the schema: ${ajv.errorsText(validate.errors)}: ${response.body.slice(0, 300)}`,
    );
  }
  return problems;
}

/**
 * Throws when the response departs from the document. With OPENAPI_DRIFT_LOG set, appends to that
 * file instead, to survey a whole run at once.
 */
export function assertDocumented(method: string, url: string, response: LightMyRequestResponse): void {
  const drift = documentDrift(method, url, response);
  if (drift.length === 0) return;
  const log = process.env.OPENAPI_DRIFT_LOG;
  if (log) appendFileSync(log, drift.map((line) => `${expect.getState().testPath ?? ''}: ${line}\n`).join(''));
  else throw new Error(`The response is not what openapi/openapi.json documents:\n${drift.join('\n')}`);
}

/** The operationId the document gives `method url`, if it describes it. */
export function operationOf(method: string, url: string): string | undefined {
  const path = url.split('?')[0];
  return routes.find((r) => r.pattern.test(path) && r.item[method.toLowerCase()])?.item[method.toLowerCase()]
    .operationId;
}

/** Every operationId in the document. */
export function documentedOperations(): string[] {
  return Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId));
}
