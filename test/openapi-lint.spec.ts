import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/**
 * Redocly's recommended rules over the committed document (which openapi.e2e-spec.ts proves
 * current). Exceptions live in redocly.yaml and .redocly.lint-ignore.yaml, each with its reason, so
 * a new finding fails here until it is fixed or justified there.
 */
it('the OpenAPI document passes Redocly lint (recommended) with no error and no warning', async () => {
  const cli = join(createRequire(import.meta.url).resolve('@redocly/cli/package.json'), '..', 'bin', 'cli.js');
  const { stdout } = await run(process.execPath, [cli, 'lint', 'openapi/openapi.json', '--format=json'], {
    cwd: ROOT,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout: string }) => error);
  const report = JSON.parse(stdout) as LintReport;
  const findings = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
  expect(findings).toEqual([]);
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
});
