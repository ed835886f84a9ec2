import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A kernel memory limit for a server under test (`--memory-limit`): a cgroup of its own under this
 * process's memory cgroup, as a container runtime makes one (cgroup v2's `memory.max`, or v1's
 * `memory.limit_in_bytes` where the memory controller is still v1). Past the limit the kernel
 * reclaims, then kills: what a 256 MB container does. Needs write access to the cgroup tree (root).
 */
export class MemoryCgroup {
  private constructor(
    readonly dir: string,
    private readonly version: 1 | 2,
    readonly limitMb: number,
  ) {}

  static create(name: string, limitMb: number): MemoryCgroup {
    const { dir: parent, version } = ownMemoryCgroup();
    const dir = join(parent, `${name}-${process.pid}`);
    try {
      mkdirSync(dir, { recursive: true });
      const bytes = String(limitMb * 1024 * 1024);
      if (version === 2) {
        writeFileSync(join(dir, 'memory.max'), bytes);
        // No swap to fall back on, as in a container without it.
        if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
      } else {
        writeFileSync(join(dir, 'memory.limit_in_bytes'), bytes);
        if (existsSync(join(dir, 'memory.memsw.limit_in_bytes')))
          writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), bytes);
      }
    } catch (error) {
      throw new Error(
        `--memory-limit: cannot make a memory cgroup under ${parent} (${(error as Error).message}); it needs root and a writable cgroup tree`,
      );
    }
    return new MemoryCgroup(dir, version, limitMb);
  }

  /** Processes the kernel has killed in this cgroup for want of memory. */
  oomKills(): number {
    const file = this.version === 2 ? 'memory.events' : 'memory.oom_control';
    const match = /^oom_kill (\d+)$/m.exec(readFileSync(join(this.dir, file), 'utf8'));
    return match ? Number(match[1]) : 0;
  }

  /** The cgroup's peak memory use (RSS and page cache, as the limit counts it), in MB. */
  peakMb(): number {
    const file = this.version === 2 ? 'memory.peak' : 'memory.max_usage_in_bytes';
    const path = join(this.dir, file);
    return existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) / 1024 / 1024 : NaN;
  }

  /** Removes the cgroup once its processes have exited. */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // A process still in it, or already gone: the kernel keeps an empty cgroup cheaply.
    }
  }
}

/** This process's memory cgroup directory, v1 where the memory controller is mounted as v1. */
function ownMemoryCgroup(): { dir: string; version: 1 | 2 } {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('memory'));
  if (v1) return { dir: join('/sys/fs/cgroup/memory', v1.split(':')[2]), version: 1 };
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2 && existsSync('/sys/fs/cgroup/cgroup.controllers'))
    return { dir: join('/sys/fs/cgroup', v2.slice(3)), version: 2 };
  throw new Error('--memory-limit: no memory cgroup controller on this machine');
}

/**
 * The V8 flags the Dockerfile sets (its `ENV NODE_OPTIONS=...`), so the limited server runs as the
 * image would, and the two cannot drift apart.
 */
export function dockerfileNodeOptions(root: string): string {
  const match = /^ENV NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  if (!match) throw new Error('--memory-limit: the Dockerfile sets no ENV NODE_OPTIONS="..."');
  return match[1];
}
