// Redocly CLI (the linter from the npm registry) finds no error and no warning in /openapi.json and /asyncapi.json.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { servedDocuments } from '../helpers/documents.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const REDOCLY = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const CONFIG = resolve('redocly.yaml');
/** A bound for a child process on a loaded machine, not an expectation of how long the lint takes (about 1 s). */
const LINT_BOUND_MS = 120_000;

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

/** Lints one document, written to a temp file, with the project's redocly.yaml; offline (telemetry and update checks off). */
async function lint(name: string, document: unknown): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-lint-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(document, null, 2));
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    // Redocly exits 1 when it finds errors; the JSON report on stdout says which either way.
    const { stdout } = await run(process.execPath, [REDOCLY, 'lint', '--config', CONFIG, '--format=json', file], { env, timeout: LINT_BOUND_MS, maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        if (!error.stdout) throw new Error(`redocly did not report: ${error.stderr ?? String(error)}`);
        return { stdout: error.stdout };
      },
    );
    return JSON.parse(stdout) as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (report: LintReport) => report.problems.map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer ?? '?'}: ${problem.message}`).join('\n');

test('Redocly lints /openapi.json and /asyncapi.json with 0 errors and 0 warnings', { timeout: 2 * LINT_BOUND_MS }, async () => {
  const documents = await servedDocuments();
  const openapi = await lint('openapi.json', documents.openapi);
  assert.deepEqual(openapi.totals, { errors: 0, warnings: 0, ignored: 0 }, summary(openapi));
  const asyncapi = await lint('asyncapi.json', documents.asyncapi);
  assert.deepEqual(asyncapi.totals, { errors: 0, warnings: 0, ignored: 0 }, summary(asyncapi));
});

test('the lint catches what it is there for: a token operation without security, an operation without operationId, a broken AsyncAPI ref', { timeout: 3 * LINT_BOUND_MS }, async () => {
  const { openapi, asyncapi } = await servedDocuments();
  const broken = structuredClone(openapi) as { paths: Record<string, Record<string, Record<string, unknown>>> };
  delete broken.paths['/connect/token']!['post']!['security'];
  delete broken.paths['/callcontrol']!['get']!['operationId'];
  const report = await lint('openapi.json', broken);
  const rules = report.problems.map((problem) => problem.ruleId);
  assert.ok(rules.includes('security-defined'), summary(report));
  assert.ok(rules.includes('operation-operationId'), summary(report));
  assert.ok(report.totals.errors >= 1);

  const brokenEvents = structuredClone(asyncapi) as { operations: Record<string, { messages: unknown[] }> };
  brokenEvents.operations['receiveEvents']!.messages.push({ $ref: '#/channels/events/messages/NoSuchMessage' });
  const eventsReport = await lint('asyncapi.json', brokenEvents);
  assert.ok(eventsReport.totals.errors >= 1, summary(eventsReport));
});
