// Runs every test/**/*.test.ts file with node's test runner (TypeScript through tsx), after building dist/src when stale.
// `node scripts/run-tests.mjs SUBSTRING...` runs only the files whose path contains one of the substrings.
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = collect('test').filter((file) => filters.length === 0 || filters.some((f) => file.includes(f))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// The CLI tests run the built command (dist/src/cli/main.js), as users do: build it first when a source is newer.
const built = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', '--server'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

// As many test files at once as there are cores, and the child processes the tests start shared out between them
// (test/helpers/cli.ts reads SWITCHBOARD_TEST_CHILD_SLOTS): never more busy processes than cores.
const cores = Math.max(1, availableParallelism());
const fileConcurrency = Math.min(cores, files.length);
const env = { ...process.env, SWITCHBOARD_TEST_CHILD_SLOTS: String(Math.max(1, Math.floor(cores / fileConcurrency))) };
const args = ['--import', 'tsx', '--test', `--test-concurrency=${fileConcurrency}`, '--test-reporter=spec', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
