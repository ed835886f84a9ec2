import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
/** SWC's TypeScript loader, resolved from the checkout rather than the working directory (which a test may move). */
export const SWC_LOADER = `data:text/javascript,import { register } from 'node:module'; register('@swc-node/register/esm', ${JSON.stringify(pathToFileURL(join(ROOT, '/')).href)});`;

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs src/main.ts as the real entry point in a child process (SWC's loader, transpile only, so start-up
 * stays quick), with `env` on top of a clean environment.
 */
export function startService(env: Record<string, string>, cwd = ROOT): ServiceProcess {
  const child = spawn(process.execPath, ['--import', SWC_LOADER, join(ROOT, 'src', 'main.ts')], {
    cwd,
    env: {
      PATH: process.env.PATH,
      SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      NO_COLOR: '1',
      NODE_ENV: 'test',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const watcher of watchers) watcher();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          watchers.delete(check);
          resolve(match);
        }
      };
      watchers.add(check);
      check();
      void exited.then((code) => {
        watchers.delete(check);
        const match = pattern.exec(output);
        if (match) resolve(match);
        else reject(new Error(`the service exited (${code}) before printing ${pattern}:\n${output}`));
      });
    });

  return { child, output: () => output, waitFor, exited };
}
