import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/common/free-port.js';

export interface ServerSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** A cgroup directory (MemoryCgroup) the server runs in from its first instruction. */
  cgroup?: string;
}

/**
 * Where the servers' standard output goes: a file, as a container runtime's log driver or a
 * collector takes it, not a pipe to this process. A pipe that the bench (busy driving the load)
 * drains late blocks the service's synchronous log writes: at LOG_LEVEL=info a create then cost
 * 7 ms of CPU instead of 0.7.
 */
const LOG_DIR = mkdtempSync(join(tmpdir(), 'todo-bench-logs-'));
process.once('exit', () => rmSync(LOG_DIR, { recursive: true, force: true }));

/** The last `bytes` of a file. */
function tailOf(path: string, bytes = 4000): string {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const buffer = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString();
  } finally {
    closeSync(fd);
  }
}

/**
 * A server under test, run as a child process so its CPU and memory are its own. Its standard
 * output goes to a file (LOG_DIR) and its errors to a pipe, and the last of both explain a failed
 * start; its memory is sampled across its whole process tree, so a cluster's workers count too.
 */
export class ServerProcess {
  private peakRssKb = 0;
  private sampler?: NodeJS.Timeout;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly output: { tail: string; file: string },
    /** Milliseconds from spawn to the first healthy answer. */
    readonly startMs: number,
  ) {}

  static async start(spec: ServerSpec, port?: number): Promise<ServerProcess> {
    port ??= await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = performance.now();
    // In a cgroup: a shell joins it, then becomes node (same pid), so nothing runs outside the limit.
    const [command, args] = spec.cgroup
      ? [
          '/bin/sh',
          [
            '-c',
            'echo $$ > "$1/cgroup.procs" && shift && exec "$@"',
            'sh',
            spec.cgroup,
            process.execPath,
            ...spec.args,
          ],
        ]
      : [process.execPath, spec.args];
    // In a memory cgroup, a file's page cache would count against the limit (a log driver reads a
    // container's output from outside it), so that server's lines go to /dev/null.
    const file = spec.cgroup ? '/dev/null' : join(LOG_DIR, `${spec.name.replace(/\W+/g, '-')}-${port}.log`);
    const stdout = openSync(file, 'a');
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', stdout, 'pipe'],
    });
    closeSync(stdout);
    const output = { tail: '', file };
    child.stderr!.on('data', (chunk: Buffer) => (output.tail = (output.tail + chunk.toString()).slice(-4000)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${spec.name} exited during start-up:\n${`${tailOf(file)}\n${output.tail}`.trim()}`);
      const healthy = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${spec.name} was not healthy within 60 s:\n${`${tailOf(file)}\n${output.tail}`.trim()}`);
      }
      await sleep(10);
    }
    return new ServerProcess(spec.name, url, child, output, performance.now() - started);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The last lines the server wrote (standard output, then errors). */
  get log(): string {
    return `${tailOf(this.output.file)}\n${this.output.tail}`.trim();
  }

  /** Starts recording the peak of the process tree's resident memory; returns the peak when stopped. */
  sampleMemory(): () => number {
    this.peakRssKb = treeRssKb(this.pid);
    this.sampler = setInterval(() => (this.peakRssKb = Math.max(this.peakRssKb, treeRssKb(this.pid))), 100);
    return () => {
      clearInterval(this.sampler);
      return Math.max(this.peakRssKb, treeRssKb(this.pid)) / 1024;
    };
  }

  /** CPU time (user + system) used so far by the process tree, in ms. */
  cpuMs(): number {
    return descendants(this.pid).reduce((sum, pid) => sum + cpuTicks(pid), 0) * (1000 / CLOCK_TICKS);
  }

  /** The kernel's own lifetime peak (VmHWM) summed over the process tree, in MB. */
  lifetimePeakMb(): number {
    return descendants(this.pid).reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0) / 1024;
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const force = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  }
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (list) children = children.concat(list.split(/\s+/).map(Number));
    }
  } catch {
    // The process has exited.
  }
  return [pid, ...children.flatMap(descendants)];
}

function statusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuTicks(pid: number, reaped = false): number {
  try {
    // Fields after the command name (which may contain spaces); utime and stime are the 14th and 15th,
    // cutime and cstime (children that have exited and been waited for) the 16th and 17th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return 0;
  }
}

/**
 * CPU time (user + system) used so far by a server's process tree, in ms, including its children
 * that have already exited: PostgreSQL's backends, for one, come and go under the postmaster.
 */
export function serverCpuMs(pid: number): number {
  return (
    (cpuTicks(pid, true) +
      descendants(pid)
        .slice(1)
        .reduce((sum, p) => sum + cpuTicks(p), 0)) *
    (1000 / CLOCK_TICKS)
  );
}

const treeRssKb = (pid: number) => descendants(pid).reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
