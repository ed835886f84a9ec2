import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * common/ holds what every resource shares, so it may not know any resource: a piece that needs
 * auth/ or tasks/ is not shared yet, and a second resource would inherit the first one's code.
 */
describe('common/', () => {
  const files = readdirSync(import.meta.dirname, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));

  it.each(files)('%s imports nothing from a feature', (file) => {
    const source = readFileSync(join(import.meta.dirname, file), 'utf8');
    const specifiers = [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);
    expect(specifiers.filter((specifier) => /^(\.\.\/)+(auth|tasks)(\/|$)/.test(specifier))).toEqual([]);
  });
});
