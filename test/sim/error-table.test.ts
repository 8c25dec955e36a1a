// Tests that /sim takes the status of every core error code from the API's one error table, differing only where the table says so.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_TABLE, simStatusOf } from '../../src/api/errors.js';
import { ErrorCodes } from '../../src/core/errors.js';
import { ROOT } from '../helpers/root.js';

test('every core code has the API status on /sim, except the codes the table gives a simStatus', () => {
  for (const code of Object.values(ErrorCodes)) {
    const mapping = ERROR_TABLE[code];
    assert.equal(simStatusOf(code), mapping.simStatus ?? mapping.status, code);
  }
});

test('the planes differ on exactly one code: InvalidState is 422 on /callcontrol and 409 on /sim', () => {
  const differing = Object.values(ErrorCodes).filter((code) => simStatusOf(code) !== ERROR_TABLE[code].status);
  assert.deepEqual(differing, [ErrorCodes.INVALID_STATE]);
  assert.equal(ERROR_TABLE[ErrorCodes.INVALID_STATE].status, 422);
  assert.equal(simStatusOf(ErrorCodes.INVALID_STATE), 409);
});

test('docs/errors.md documents each code whose /sim status differs, with both statuses', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const section = doc.split('## `/sim` errors')[1] ?? '';
  for (const code of Object.values(ErrorCodes)) {
    const mapping = ERROR_TABLE[code];
    if (mapping.simStatus === undefined) continue;
    assert.match(section, new RegExp(`^\\| \`${code}\` \\| ${mapping.status} \\| ${mapping.simStatus} \\| .{20,}\\|$`, 'm'), `${code} is documented`);
  }
});
