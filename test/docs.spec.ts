import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The README is a newcomer's first screen and links to docs/ for everything else, so it stays
 * short, and a moved or renamed page or heading must not leave a dead link behind.
 */
const ROOT = join(import.meta.dirname, '..');
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((page) =>
  page.endsWith('.md'),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

function anchorsIn(markdown: string): string[] {
  return [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]));
}

describe('README and docs/', () => {
  it('keeps the README to about a screenful', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('makes GitHub-style anchors', () => {
    expect(anchorOf('4. Sign-out and sessions')).toBe('4-sign-out-and-sessions');
    expect(anchorOf('Using it from Next.js')).toBe('using-it-from-nextjs');
  });

  it('links only to files and headings that exist', () => {
    const dead: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#');
        const file = path ? join(ROOT, dirname(page), path) : join(ROOT, page);
        if (!existsSync(file)) dead.push(`${page}: ${target}`);
        else if (anchor && file.endsWith('.md') && !anchorsIn(readFileSync(file, 'utf8')).includes(anchor)) {
          dead.push(`${page}: ${target} (no such heading in ${relative(ROOT, file)})`);
        }
      }
    }
    expect(dead).toEqual([]);
  });

  it('links every page in docs/ from the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(pages.filter((page) => page !== 'README.md' && !readme.includes(`](${page})`))).toEqual([]);
  });

  describe('docs/development.md', () => {
    /** The entries the layout block lists under `src/` (indented by two). */
    const layout = (() => {
      const text = readFileSync(join(ROOT, 'docs', 'development.md'), 'utf8');
      const lines = (/```\n(src\/[\s\S]*?)```/.exec(text)?.[1] ?? '').split('\n').slice(1);
      const entries: string[] = [];
      for (const line of lines) {
        if (/^\S/.test(line)) break;
        const entry = /^ {2}(\S+)/.exec(line)?.[1];
        if (entry) entries.push(entry);
      }
      return entries;
    })();

    it('lays out every folder and top-level file of src/, and nothing that is not there', () => {
      const entries = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() || !entry.name.endsWith('.spec.ts'))
        .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name));
      expect(entries.filter((entry) => !layout.includes(entry))).toEqual([]);
      expect(layout.filter((entry) => !entries.includes(entry))).toEqual([]);
    });
  });
});
