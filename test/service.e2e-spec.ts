import { expect } from '@jest/globals';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The parts of the served OpenAPI document these tests read. */
interface OpenApiDocument {
  openapi: string;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<
      string,
      { required?: string[]; properties: Record<string, { enum?: string[]; description?: string }> }
    >;
  };
  paths: Record<string, Record<string, { security?: unknown }>>;
}

describe('service routes, docs, CORS and headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      CORS_ALLOWED_ORIGINS: 'http://localhost:3000,https://app.example.com',
      FRONTEND_URL: 'https://preview.example.com/',
    });
  });
  afterAll(() => t.close());

  it('GET / names the service and points at docs and health', async () => {
    const res = await t.request({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: 'todo-api',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      docs: '/docs',
      health: '/health',
    });
  });

  it('GET /health checks the database', async () => {
    const res = await t.request({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  it('GET /health/live answers without authentication', async () => {
    const res = await t.request({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.request({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('swagger-ui');
    const init = await t.request({ method: 'GET', url: '/docs/swagger-ui-init.js' });
    expect(init.statusCode).toBe(200);
  });

  describe('the OpenAPI document', () => {
    let doc: OpenApiDocument;
    beforeAll(async () => {
      const res = await t.request({ method: 'GET', url: '/docs-json' });
      expect(res.statusCode).toBe(200);
      doc = res.json<OpenApiDocument>();
    });

    it('is OpenAPI 3 with bearer security', () => {
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it("lists every route of the contract's service, auth, task, category, list, sync and event sections", () => {
      const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
      );
      const expected = [
        'GET /',
        'GET /health',
        'GET /health/live',
        'POST /api/auth/sign-up/email',
        'POST /api/auth/sign-in/email',
        'POST /api/auth/refresh',
        'POST /api/auth/sign-out',
        'GET /api/auth/me',
        ...['/api/tasks', '/api/{userId}/tasks'].flatMap((p) => [
          `GET ${p}`,
          `POST ${p}`,
          `GET ${p}/{id}`,
          `PUT ${p}/{id}`,
          `PATCH ${p}/{id}`,
          `PATCH ${p}/{id}/complete`,
          `DELETE ${p}/{id}`,
          `POST ${p}/{id}/move`,
          `POST ${p}/complete-all`,
          `DELETE ${p}`,
          `GET ${p}/summary`,
        ]),
        ...['/api/categories', '/api/{userId}/categories'].flatMap((p) => [
          `GET ${p}`,
          `POST ${p}`,
          `GET ${p}/{id}`,
          `PATCH ${p}/{id}`,
          `DELETE ${p}/{id}`,
        ]),
        ...['/api/lists', '/api/{userId}/lists'].flatMap((p) => [
          `GET ${p}`,
          `POST ${p}`,
          `GET ${p}/{id}`,
          `PATCH ${p}/{id}`,
          `DELETE ${p}/{id}`,
          `POST ${p}/{id}/move`,
          `GET ${p}/{id}/members`,
          `PATCH ${p}/{id}/members/{memberId}`,
          `DELETE ${p}/{id}/members/{memberId}`,
          `POST ${p}/{id}/invitations`,
          `GET ${p}/{id}/invitations`,
          `DELETE ${p}/{id}/invitations/{code}`,
        ]),
        'POST /api/invitations/{code}/accept',
        'POST /api/{userId}/invitations/{code}/accept',
        'GET /api/sync',
        'GET /api/events',
      ];
      expect(routes.sort()).toEqual(expect.arrayContaining(expected.sort()));
    });

    it('carries DTO constraints and descriptions from the Swagger plugin', () => {
      const create = doc.components.schemas.CreateTaskDto;
      expect(create.required).toEqual(['title']);
      expect(create.properties.title).toMatchObject({ type: 'string', minLength: 1, maxLength: 255 });
      expect(create.properties.description).toMatchObject({ maxLength: 2000 });
      expect(create.properties.priority.enum).toEqual(['low', 'medium', 'high']);
      expect(doc.components.schemas.SignUpDto.properties.password).toMatchObject({ minLength: 8, maxLength: 128 });
      expect(doc.components.schemas.SignUpDto.properties.email.description).toMatch(/lower-cased/);
    });

    it('marks task routes as bearer-protected and auth sign-in as public', () => {
      expect(doc.paths['/api/tasks'].get.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/api/auth/sign-in/email'].post.security).toEqual([]);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      t.request({
        method: 'OPTIONS',
        url: '/api/tasks/1',
        headers: {
          origin,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization,content-type,if-match,idempotency-key',
        },
      });

    it.each(['http://localhost:3000', 'https://app.example.com', 'https://preview.example.com'])(
      'allows %s with credentials and every method',
      async (origin) => {
        const res = await preflight(origin);
        expect(res.statusCode).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-allow-credentials']).toBe('true');
        expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(
          expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
        );
        expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toEqual(
          expect.stringContaining('if-match'),
        );
        expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('idempotency-key');
      },
    );

    it('exposes ETag and Location to the browser', async () => {
      const res = await t.request({ method: 'GET', url: '/', headers: { origin: 'http://localhost:3000' } });
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      expect(String(res.headers['access-control-expose-headers'])).toMatch(/ETag/);
      expect(String(res.headers['access-control-expose-headers'])).toMatch(/Location/);
    });

    it('gives other origins no CORS headers', async () => {
      const res = await preflight('https://evil.example.com');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await t.request({ method: 'GET', url: '/', headers: { origin: 'https://evil.example.com' } });
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('sends security headers on every response, with a CSP Swagger UI can live with', async () => {
    for (const url of ['/', '/docs', '/nope', '/api/tasks']) {
      const res = await t.request({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toBeDefined();
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    }
  });

  it('needs a bearer token on every route but the reviewed public ones', async () => {
    // Changing this list is a permission change: review it like one.
    const PUBLIC = [
      'GET /',
      'GET /health',
      'GET /health/live',
      'POST /api/auth/sign-up/email',
      'POST /api/auth/sign-in/email',
      'POST /api/auth/refresh',
    ];
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json<OpenApiDocument>();
    const open: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const url = path.replace('{userId}', 'someone').replace('{id}', '1');
        const res = await t.request({ method: method.toUpperCase(), url });
        if (res.statusCode !== 401) open.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(open.sort()).toEqual(PUBLIC.sort());
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await t.request({ method: 'GET', url: '/api/nothing/here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: expect.any(String),
      instance: '/api/nothing/here',
    });
  });
});
