import { transformSync } from '@swc/core';
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';

/**
 * Serves TypeScript sources and their npm dependencies to a browser as native ES modules, the way a
 * bundler would resolve them (package `exports`, browser/import conditions), so a browser test runs
 * the very code a frontend copies (examples/), not a stand-in. No bundler is needed: TypeScript is
 * stripped with SWC, and bare imports are rewritten to `/@fs/<absolute path>` URLs.
 */
const CONDITIONS = ['browser', 'import', 'module', 'default'];
const IMPORT = /(\b(?:import|export)\s*(?:[^'"();]*?\sfrom\s*)?|\bimport\(\s*)(['"])([^'"]+)\2/g;

function pick(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) return target.map(pick).find(Boolean);
  if (target && typeof target === 'object') {
    for (const condition of CONDITIONS) {
      if (condition in target) {
        const found = pick((target as Record<string, unknown>)[condition]);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** The file a bare specifier names, seen from `importer`. */
function resolveBare(specifier: string, importer: string): string {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = `.${specifier.slice(name.length)}`;
  for (let dir = dirname(importer); ; dir = dirname(dir)) {
    const root = join(dir, 'node_modules', name);
    if (existsSync(join(root, 'package.json'))) {
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        exports?: unknown;
        module?: string;
        main?: string;
      };
      let target: string | undefined;
      if (pkg.exports !== undefined) {
        const exports =
          typeof pkg.exports === 'string' || !Object.keys(pkg.exports as object).some((k) => k.startsWith('.'))
            ? { '.': pkg.exports }
            : (pkg.exports as Record<string, unknown>);
        target = pick(exports[subpath]);
        for (const [pattern, value] of Object.entries(exports)) {
          if (target || !pattern.includes('*')) continue;
          const [before, after] = pattern.split('*');
          if (subpath.startsWith(before) && subpath.endsWith(after)) {
            const star = subpath.slice(before.length, subpath.length - after.length);
            target = pick(value)?.replace(/\*/g, star);
          }
        }
      } else {
        target = subpath === '.' ? (pkg.module ?? pkg.main ?? 'index.js') : subpath;
      }
      if (!target) throw new Error(`browser-modules: ${specifier} is not exported for the browser`);
      return resolve(root, target);
    }
    if (dir === dirname(dir)) throw new Error(`browser-modules: cannot find ${specifier} from ${importer}`);
  }
}

function rewrite(source: string, file: string): string {
  return source.replace(IMPORT, (whole, head: string, quote: string, specifier: string) => {
    if (specifier.startsWith('.') || specifier.startsWith('/') || /^[a-z]+:/.test(specifier)) {
      if (!specifier.startsWith('.') || extname(specifier)) return whole;
      // Extensionless relative imports: of TypeScript sources, and in ES builds that leave out
      // the `.js` (@microsoft/fetch-event-source's), which a bundler resolves and a browser cannot.
      const found = ['.ts', '.js'].map((ext) => resolve(dirname(file), specifier + ext)).find((f) => existsSync(f));
      return found ? `${head}${quote}/@fs${found}${quote}` : whole;
    }
    return `${head}${quote}/@fs${resolveBare(specifier, file)}${quote}`;
  });
}

/** Answers `/@fs/<absolute path>` requests; returns false for any other URL. */
export function serveModule(request: IncomingMessage, response: ServerResponse): boolean {
  const url = new URL(request.url ?? '/', 'http://x');
  if (!url.pathname.startsWith('/@fs/')) return false;
  const file = decodeURIComponent(url.pathname.slice('/@fs'.length));
  if (!existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404).end();
    return true;
  }
  let source = readFileSync(file, 'utf8');
  if (file.endsWith('.ts')) {
    source = transformSync(source, {
      filename: file,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    }).code;
  }
  response
    .writeHead(200, { 'Content-Type': file.endsWith('.json') ? 'application/json' : 'text/javascript; charset=utf-8' })
    .end(file.endsWith('.json') ? source : rewrite(source, file));
  return true;
}

/** The URL a page imports a source file from. */
export const moduleUrl = (file: string) => `/@fs${resolve(file)}`;

/**
 * A Next.js-like frontend origin for a browser test: serves the modules, hands /api/auth/* to Better
 * Auth as this origin's own (as a Next.js route handler would), and answers every other path with
 * `html()`, the test's page.
 */
export function serveFrontend(html: () => string, betterAuth: string): Promise<Server> {
  const target = new URL(betterAuth);
  const server = createServer((req, res) => {
    if (serveModule(req, res)) return;
    if (req.url?.startsWith('/api/auth/')) {
      // Better Auth checks Origin against its own URL: the proxy stands where Next.js would.
      const headers = { ...req.headers, host: target.host, ...(req.headers.origin ? { origin: target.origin } : {}) };
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
