// Builds dist/ only when a source is newer than what was built from it: the server (tsc) and the web console (vite).
// `node scripts/build-if-stale.mjs` checks both (npm start); `--server` only the server part (scripts/run-tests.mjs compiles dist/src itself).
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time (ms) of the files under `paths` (files or folders); 0 when there are none. */
function newest(paths) {
  let latest = 0;
  for (const path of paths) {
    const full = join(ROOT, path);
    if (!existsSync(full)) continue;
    const stat = statSync(full);
    if (stat.isDirectory()) latest = Math.max(latest, newest(readdirSync(full).map((name) => join(path, name))));
    else latest = Math.max(latest, stat.mtimeMs);
  }
  return latest;
}

/** The modification time of a file every build rewrites, or -1 when it is missing. */
function builtAt(path) {
  const full = join(ROOT, path);
  return existsSync(full) ? statSync(full).mtimeMs : -1;
}

function run(what, args) {
  console.error(`build-if-stale: ${what}`);
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The parts of dist/, what each is built from, and how. */
const PARTS = [
  {
    name: 'server',
    output: 'dist/src/cli/main.js',
    sources: ['src', ...CONFIG_FILES],
    build() {
      run('building the server (tsc -p tsconfig.build.json)', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
      chmodSync(join(ROOT, 'dist/src/cli/main.js'), 0o755);
    },
  },
  {
    name: 'console',
    output: 'dist/console/index.html',
    sources: ['web/console', 'src/client/live-protocol.ts', 'package.json'],
    build() {
      run('building the web console (vite build)', [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/console/vite.config.ts']);
    },
  },
];

const wanted = process.argv.includes('--server') ? PARTS.filter((part) => part.name === 'server') : PARTS;
for (const part of wanted) {
  if (newest(part.sources) > builtAt(part.output)) part.build();
}
