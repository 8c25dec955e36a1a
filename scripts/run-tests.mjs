// Compiles the project once (tsc: the typecheck, dist/src and the tests) and runs every test/**/*.test.ts file, compiled, with node's test runner.
// `node scripts/run-tests.mjs SUBSTRING...` runs only the files whose path contains one of the substrings;
// `--lint` runs `eslint .` beside the compile (npm test).
import { chmodSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Runs a command with the output shown; resolves to its exit status. */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * The files that take longest (a minute or more of wall time on 2 cores, 2026-12-02) start first, so that none of them
 * starts last and keeps one core busy after the other has run out of files.
 */
const SLOW_FIRST = [
  'test/cli/client-commands.test.ts',
  'test/cli/audio-commands.test.ts',
  'test/hardening/fuzz.test.ts',
  'test/cli/serve.test.ts',
  'test/client/testing-your-app.test.ts',
  'test/core/scale.test.ts',
  'test/cli/doc-sessions.test.ts',
  'test/packaging/client-package.test.ts',
  'test/api/openapi-client.test.ts',
];
const rank = (file) => (SLOW_FIRST.includes(file) ? SLOW_FIRST.indexOf(file) : SLOW_FIRST.length);

const lint = process.argv.includes('--lint');
const filters = process.argv.slice(2).filter((arg) => arg !== '--lint');
const files = collect('test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()
  .sort((a, b) => rank(a) - rank(b));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// One tsc run is the typecheck and the build: tsconfig.test.json is tsconfig.json emitting into dist/ (incremental), so
// dist/src is the command the CLI tests run (as users do) and dist/test the tests, with no tsx in every test process.
// eslint, single-threaded like tsc, uses the other core meanwhile.
const steps = [run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json'])];
if (lint) steps.push(run(process.execPath, ['node_modules/eslint/bin/eslint.js', '.']));
const [compiled, linted = 0] = await Promise.all(steps);
if (compiled !== 0) console.error('run-tests: tsc -p tsconfig.test.json failed');
if (linted !== 0) console.error('run-tests: eslint failed');
if (compiled !== 0 || linted !== 0) process.exit(1);
chmodSync('dist/src/cli/main.js', 0o755);

// As many test files at once as there are cores, and the child processes the tests start shared out between them
// (test/helpers/cli.ts reads SWITCHBOARD_TEST_CHILD_SLOTS): never more busy processes than cores.
const cores = Math.max(1, availableParallelism());
const fileConcurrency = Math.min(cores, files.length);
const env = { ...process.env, SWITCHBOARD_TEST_CHILD_SLOTS: String(Math.max(1, Math.floor(cores / fileConcurrency))) };
const compiledFiles = files.map((file) => join('dist', file.replace(/\.ts$/, '.js')));
const args = ['--enable-source-maps', '--test', `--test-concurrency=${fileConcurrency}`, '--test-reporter=spec', ...compiledFiles];
process.exit(await run(process.execPath, args, { env }));
