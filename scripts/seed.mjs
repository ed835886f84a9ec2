// `npm run seed [-- <API URL>]`: a demo user with a few tasks in two categories, created through the
// API of a running service (default http://localhost:8000), so it works whatever database the service
// uses. Running it again changes nothing. Never point it at production: the demo password is public.
const api = (process.argv[2] ?? 'http://localhost:8000').replace(/\/+$/, '');
const DEMO = { email: 'demo@example.com', password: 'demo-password-1234', name: 'Demo User' };
const DAY = 24 * 3600 * 1000;
const CATEGORIES = [
  { name: 'Work', color: '#ef4444' },
  { name: 'Home', color: '#22c55e' },
];
const TASKS = [
  {
    title: 'Try the API docs',
    description: 'Open /docs, press Authorize and paste your token.',
    priority: 'high',
    due_date: new Date(Date.now() + DAY).toISOString(),
    categories: ['Work'],
  },
  {
    title: 'Connect the Next.js frontend',
    description: 'See examples/nextjs-client.ts.',
    priority: 'medium',
    due_date: new Date(Date.now() + 7 * DAY).toISOString(),
    categories: ['Work'],
  },
  { title: 'Buy milk', priority: 'low', categories: ['Home'] },
  { title: 'Start the service', priority: 'medium', completed: true },
];

async function call(method, path, { token, body } = {}) {
  let response;
  try {
    response = await fetch(api + path, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new Error(
      `cannot reach the API at ${api} (${error.cause?.code ?? error.message}). Start it with \`npm run start:dev\`, or pass its URL: npm run seed -- http://host:port`,
    );
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function session() {
  const signIn = await call('POST', '/api/auth/sign-in/email', {
    body: { email: DEMO.email, password: DEMO.password },
  });
  if (signIn.status === 200) return { ...signIn.body, created: false };
  const signUp = await call('POST', '/api/auth/sign-up/email', { body: DEMO });
  if (signUp.status === 201) return { ...signUp.body, created: true };
  throw new Error(`could not sign in or sign up ${DEMO.email}: ${signUp.status} ${signUp.body?.detail ?? ''}`);
}

/** The demo categories' ids by name, creating those the demo user does not have yet. */
async function categories(token) {
  const ids = new Map();
  const listed = await call('GET', '/api/categories', { token });
  for (const category of listed.body?.items ?? []) ids.set(category.name, category.id);
  for (const category of CATEGORIES.filter(({ name }) => !ids.has(name))) {
    const response = await call('POST', '/api/categories', { token, body: category });
    if (response.status !== 201)
      throw new Error(`creating category "${category.name}" failed: ${response.status} ${response.body?.detail ?? ''}`);
    ids.set(category.name, response.body.id);
  }
  return ids;
}

async function main() {
  const { token, created } = await session();
  const existing = await call('GET', '/api/tasks?limit=1', { token });
  if (existing.status !== 200)
    throw new Error(`listing tasks failed: ${existing.status} ${existing.body?.detail ?? ''}`);
  let added = 0;
  if (existing.body.total === 0) {
    const categoryIds = await categories(token);
    for (const { categories: names = [], ...task } of TASKS) {
      const body = { ...task, category_ids: names.map((name) => categoryIds.get(name)) };
      const response = await call('POST', '/api/tasks', { token, body });
      if (response.status !== 201)
        throw new Error(`creating "${task.title}" failed: ${response.status} ${response.body?.detail ?? ''}`);
      added += 1;
    }
  }
  console.log(`${created ? 'Created' : 'Found'} the demo user at ${api}; ${added ? `added ${added} tasks` : `it already has tasks, none added`}.

Sign in as ${DEMO.email} with password ${DEMO.password}:
  - Swagger UI: ${api}/docs, POST /api/auth/sign-in/email, then Authorize with the token it returns
  - curl: curl -s -X POST ${api}/api/auth/sign-in/email -H 'Content-Type: application/json' \\
            -d '{"email":"${DEMO.email}","password":"${DEMO.password}"}'

A token for right now:
  ${token}`);
}

main().catch((error) => {
  console.error(`seed: ${error.message}`);
  process.exit(1);
});
