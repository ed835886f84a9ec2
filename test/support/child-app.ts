import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ChildApp {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the real entry point (src/main.ts, through ts-node) as its own process, the way `npm start`
 * does, with exactly the environment given (plus PATH and HOME).
 */
export function spawnApp(env: Record<string, string>, cwd: string): ChildApp {
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'src', 'main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves when the output contains `text`; rejects if the process exits first or time runs out. */
export async function waitForOutput(app: ChildApp, text: string | RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = app.output();
    if (typeof text === 'string' ? out.includes(text) : text.test(out)) return;
    if (app.child.exitCode !== null) throw new Error(`process exited (${app.child.exitCode}) before printing ${text}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
