// The repository's root folder, found from this file whether it runs from test/ (tsx) or from its compiled copy in .test-build/.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The folder holding package.json: docs/, src/, dist/ and the test fixtures are found from it. */
export const ROOT = findRoot();
