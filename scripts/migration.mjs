// `npm run migration:run | migration:revert | migration:generate -- <Name>`: the TypeORM CLI on
// src/database/cli-data-source.ts, straight from TypeScript (SWC's loader), so no build is needed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATIONS_DIR = 'src/database/migrations';

const [command, ...rest] = process.argv.slice(2);
let cliArgs;
if (command === 'run' || command === 'revert') {
  cliArgs = [`migration:${command}`, ...rest];
} else if (command === 'generate') {
  const [name, ...flags] = rest;
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    console.error(
      'Usage: npm run migration:generate -- AddSomething   (a PascalCase name; --dryrun prints it instead)',
    );
    process.exit(1);
  }
  cliArgs = ['migration:generate', `${MIGRATIONS_DIR}/${name}`, ...flags];
} else {
  console.error('Usage: node scripts/migration.mjs run | revert | generate <Name>');
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  [
    '--import',
    '@swc-node/register/esm-register',
    join(root, 'node_modules/typeorm/cli.js'),
    ...cliArgs,
    '-d',
    'src/database/cli-data-source.ts',
  ],
  { cwd: root, stdio: 'inherit' },
);
if (command === 'generate' && result.status === 0 && !rest.some((flag) => flag === '--dryrun' || flag === '--dr')) {
  // Migrations are listed explicitly (bundlers and `nest build` keep them that way).
  console.log(
    `\nNext: review the SQL in ${MIGRATIONS_DIR}/, then add the new class to MIGRATIONS in src/database/data-source.ts.`,
  );
}
process.exit(result.status ?? 1);
