import type { LightMyRequestResponse } from 'fastify';
import { documentDrift } from './support/openapi-validator.js';

/** The e2e helper's check against openapi/openapi.json: it must see drift, or it guards nothing. */
const response = (statusCode: number, body: unknown, headers: Record<string, string> = {}) =>
  ({
    statusCode,
    body: body === undefined ? '' : JSON.stringify(body),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers },
  }) as unknown as LightMyRequestResponse;

const problem = (status: number, extra: object = {}) => ({
  type: 'about:blank',
  title: 'Error',
  status,
  detail: 'Something',
  ...extra,
});
const asProblem = (r: LightMyRequestResponse) => {
  r.headers['content-type'] = 'application/problem+json; charset=utf-8';
  return r;
};

const task = {
  id: 7,
  user_id: 'u1',
  title: 'Buy milk',
  description: null,
  completed: false,
  priority: 'medium',
  due_date: null,
  position: 'a0',
  remind_at: null,
  reminded_at: null,
  recurrence: null,
  category_ids: [],
  list_id: 3,
  created_by: 'u1',
  assignee_id: null,
  parent_id: null,
  subtask_count: 0,
  pending_subtask_count: 0,
  created_at: '2026-11-22T10:00:00.000Z',
  updated_at: '2026-11-22T10:00:00.000Z',
};

describe('documentDrift', () => {
  it('accepts a documented status, body and headers', () => {
    expect(documentDrift('GET', '/api/tasks/7', response(200, task, { etag: '"7-1"' }))).toEqual([]);
    expect(documentDrift('GET', '/api/u1/tasks/7?x=1', response(200, task, { etag: '"7-1"' }))).toEqual([]);
    expect(documentDrift('DELETE', '/api/tasks/7', response(204, undefined))).toEqual([]);
    const unauthorized = asProblem(response(401, problem(401), { 'www-authenticate': 'Bearer' }));
    expect(documentDrift('GET', '/api/tasks', unauthorized)).toEqual([]);
  });

  it('reports a status the operation does not document', () => {
    expect(documentDrift('GET', '/api/tasks/7', asProblem(response(409, problem(409))))).toEqual([
      expect.stringContaining('GET /api/tasks/{id} (getTask) -> 409: status not documented'),
    ]);
    // 403 is documented on the {userId} family only.
    expect(documentDrift('GET', '/api/tasks/7', asProblem(response(403, problem(403))))).toHaveLength(1);
  });

  it('reports a body that does not fit the schema, or the wrong content type', () => {
    expect(documentDrift('GET', '/api/tasks/7', response(200, { ...task, due_date: 5 }, { etag: '"7-1"' }))).toEqual([
      expect.stringContaining('body does not fit the schema'),
    ]);
    expect(documentDrift('GET', '/api/tasks/7', response(404, problem(404)))).toEqual([
      expect.stringContaining('content type application/json not documented'),
    ]);
    expect(documentDrift('POST', '/api/tasks', asProblem(response(422, problem(422))))).toEqual([
      expect.stringContaining("must have required property 'errors'"),
    ]);
  });

  it('reports a client-facing header the response does not document', () => {
    const located = response(200, task, { etag: '"7-1"', location: '/api/tasks/7' });
    expect(documentDrift('GET', '/api/tasks/7', located)).toEqual([
      expect.stringContaining('header location not documented'),
    ]);
  });

  it('leaves undocumented routes alone', () => {
    expect(documentDrift('GET', '/nowhere', response(404, problem(404)))).toEqual([]);
    expect(documentDrift('OPTIONS', '/api/tasks', response(204, undefined))).toEqual([]);
  });
});
