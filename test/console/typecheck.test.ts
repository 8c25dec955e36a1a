// The console's browser TypeScript (web/console, DOM library) type-checks: `tsc -p tsconfig.json` covers Node code only.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/root.js';

test('web/console type-checks with its own tsconfig (browser globals, no Node types)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = join(ROOT, 'web/console/tsconfig.json');
  const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc -p web/console/tsconfig.json failed:\n${result.stdout}${result.stderr}`);
});
