import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from '../src/config/env.validation.js';

/**
 * docs/configuration.md is the reference people configure from, so it is held to what parseEnv
 * reads, the way test/deployment-files.spec.ts holds .env.example to it: a variable added to the
 * code without a row, or a row left behind by a removed variable, fails here.
 */
const ROOT = join(import.meta.dirname, '..');

/** Every variable parseEnv looks at, found by letting it read a recording environment. */
function variablesTheAppReads(): string[] {
  const seen = new Set<string>();
  parseEnv(new Proxy({}, { get: (_, name) => (typeof name === 'string' && seen.add(name), undefined) }));
  return [...seen].sort();
}

/** The names in the first column of the reference table: one `VARIABLE` per row. */
function documentedVariables(markdown: string): string[] {
  const reference = markdown.split(/^## Reference$/m)[1]?.split(/^## /m)[0] ?? '';
  return reference
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1].trim())
    .map((cell) => /^`([A-Z][A-Z0-9_]*)`$/.exec(cell)?.[1] ?? `(not one variable: ${cell})`)
    .sort();
}

describe('docs/configuration.md', () => {
  const documented = documentedVariables(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8'));
  const read = variablesTheAppReads();

  it('reads the reference table', () => {
    expect(documentedVariables('## Reference\n\n| `PORT` | `8000` | port |\n| `A`, `B` | | |\n## Next')).toEqual([
      '(not one variable: `A`, `B`)',
      'PORT',
    ]);
    expect(read).toContain('DATABASE_URL');
  });

  it('documents every variable the service reads', () => {
    expect(read.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents no variable the service does not read, and each only once', () => {
    expect(documented.filter((name) => !read.includes(name))).toEqual([]);
    expect(documented).toEqual([...new Set(documented)]);
  });
});
