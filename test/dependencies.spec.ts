import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * `npm ci --omit=dev` (the Docker image) installs only `dependencies`, so a package that src/ loads
 * at run time but that is listed under devDependencies works in every test and fails in production.
 * This reads every import of the shipped code and checks where each package comes from.
 */
const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Module specifiers that survive compilation: `import type` and `export type` are erased, but under
 * verbatimModuleSyntax `import { type X }` is kept (as `import {}`), so it loads the module too.
 */
function runtimeImports(code: string): string[] {
  const file = ts.createSourceFile('file.ts', code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** `@scope/name/sub/path.js` -> `@scope/name`; `name/sub` -> `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('dependencies', () => {
  const imports = sourceFiles(SRC).flatMap((path) =>
    runtimeImports(readFileSync(path, 'utf8'))
      .filter((specifier) => !specifier.startsWith('.'))
      .map((specifier) => ({ file: relative(ROOT, path), specifier })),
  );

  it('finds runtime imports and ignores type-only ones', () => {
    expect(
      runtimeImports(
        [
          "import type { A } from 'erased';",
          "export type { B } from 'erased-too';",
          "import { type C } from 'kept';",
          "import d from 'default';",
          "import 'side-effect';",
          "export { e } from 're-export';",
          "const f = await import('dynamic');",
        ].join('\n'),
      ),
    ).toEqual(['kept', 'default', 'side-effect', 're-export', 'dynamic']);
    expect(packageOf('@nestjs/common')).toBe('@nestjs/common');
    expect(packageOf('typeorm/driver/postgres/PostgresDriver.js')).toBe('typeorm');
    expect(imports.length).toBeGreaterThan(50);
  });

  it('lists every package src/ loads at run time in dependencies, not devDependencies', () => {
    const missing = imports
      .filter(({ specifier }) => !specifier.startsWith('node:'))
      .filter(({ specifier }) => !(packageOf(specifier) in pkg.dependencies))
      .map(({ file, specifier }) => `${file}: ${specifier}`);
    expect(missing).toEqual([]);
  });

  it('names Node.js built-ins with the node: prefix', () => {
    const bare = imports
      .filter(({ specifier }) => !specifier.startsWith('node:') && isBuiltin(specifier))
      .map(({ file, specifier }) => `${file}: ${specifier}`);
    expect(bare).toEqual([]);
    for (const { specifier } of imports.filter((i) => i.specifier.startsWith('node:'))) {
      expect(isBuiltin(specifier)).toBe(true);
    }
  });

  it('lists no package twice', () => {
    const both = Object.keys(pkg.dependencies).filter((name) => name in pkg.devDependencies);
    expect(both).toEqual([]);
  });
});
