import { parseArgs } from 'node:util';

/** Every option of the bench's entry points; each entry point accepts the ones it names. */
const OPTIONS = {
  quick: { type: 'boolean', default: false },
  profile: { type: 'boolean', default: false },
  events: { type: 'boolean', default: true },
  pooler: { type: 'boolean', default: false },
  connections: { type: 'string' },
  rounds: { type: 'string' },
  seconds: { type: 'string' },
  routes: { type: 'string' },
  baseline: { type: 'string' },
  'node-options': { type: 'string' },
  'memory-limit': { type: 'string' },
} as const;

type Name = keyof typeof OPTIONS;

export interface BenchOptions {
  quick: boolean;
  profile: boolean;
  /** False with --no-events. */
  events: boolean;
  pooler: boolean;
  connections?: number;
  rounds?: number;
  seconds?: number;
  /** Parts of route names, lower-case. */
  routes?: string[];
  baseline?: string;
  nodeOptions?: string;
  /** MB: one more server, the service under a kernel memory limit with the Dockerfile's V8 flags. */
  memoryLimit?: number;
}

/**
 * The command line of an entry point that accepts the options `accepted`: an unknown option, a
 * missing value or a count that is not a positive integer stops the run with a message, rather
 * than being ignored.
 */
export function benchOptions(accepted: Name[]): BenchOptions {
  try {
    return parse(accepted);
  } catch (error) {
    console.error(`${(error as Error).message}\nOptions: ${accepted.map(usage).join(' ')}`);
    process.exit(2);
  }
}

function usage(name: Name): string {
  const option: { type: string; default?: boolean } = OPTIONS[name];
  if (option.type === 'string') return `--${name}=...`;
  return option.default ? `--no-${name}` : `--${name}`;
}

function parse(accepted: Name[]): BenchOptions {
  const { values } = parseArgs({
    options: Object.fromEntries(accepted.map((name) => [name, OPTIONS[name]])),
    allowNegative: true,
    strict: true,
  }) as { values: Partial<Record<Name, string | boolean>> };
  const count = (name: Name) => {
    const text = values[name] as string | undefined;
    if (text === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(text)) throw new Error(`--${name}=${text}: not a positive integer`);
    return Number(text);
  };
  const text = (name: Name) => {
    const value = values[name] as string | undefined;
    if (value === '') throw new Error(`--${name}= needs a value`);
    return value;
  };
  return {
    quick: values.quick === true,
    profile: values.profile === true,
    events: values.events !== false,
    pooler: values.pooler === true,
    connections: count('connections'),
    rounds: count('rounds'),
    seconds: count('seconds'),
    routes: text('routes')?.toLowerCase().split(',').filter(Boolean),
    baseline: text('baseline'),
    memoryLimit: count('memory-limit'),
    nodeOptions: text('node-options'),
  };
}
