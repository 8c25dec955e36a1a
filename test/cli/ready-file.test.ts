import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeReadyFile, writeReadyFile } from '../../src/cli/ready-file.js';

test('a ready file is written through a renamed temporary sibling: whole, replacing an older one, nothing left behind', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ready-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.ready');
  writeFileSync(file, 'stale');
  writeReadyFile(file, 'http://127.0.0.1:8080');
  assert.equal(readFileSync(file, 'utf8'), 'http://127.0.0.1:8080\n');
  assert.deepEqual(readdirSync(dir), ['server.ready']);
  removeReadyFile(file);
  assert.equal(existsSync(file), false);
  removeReadyFile(file); // already gone: no error
});
