// Keeps docs/errors.md, the API error table and the core's error codes in step (DESIGN.md principle 4).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError, ApiErrorCodes, ERROR_TABLE, resolveError } from '../../src/api/errors.js';
import { OAUTH_ERROR_TABLE } from '../../src/api/oauth-errors.js';
import { CoreError, ErrorCodes } from '../../src/core/errors.js';
import { ROOT } from '../helpers/root.js';

const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

/** The rows of the first table after `heading`: code -> remaining cells. */
function tableAfter(heading: string): Map<string, string[]> {
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `docs/errors.md has a "${heading}" section`);
  const rows = new Map<string, string[]>();
  const lines = doc.slice(start).split('\n');
  let inTable = false;
  for (const line of lines) {
    const match = /^\|\s*`([A-Za-z_]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (match) {
      inTable = true;
      assert.ok(!rows.has(match[1]!), `${match[1]} is listed twice`);
      rows.set(match[1]!, match[2]!.split('|').map((cell) => cell.trim()));
    } else if (inTable && !line.startsWith('|')) {
      break;
    }
  }
  return rows;
}

test('docs/errors.md lists every /callcontrol code of the table, with its status and finalstatus, and nothing else', () => {
  const documented = tableAfter('## `/callcontrol` errors');
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERROR_TABLE).sort());
  for (const [code, mapping] of Object.entries(ERROR_TABLE)) {
    const [status, finalstatus, meaning] = documented.get(code)!;
    assert.equal(status, String(mapping.status), `${code} status`);
    assert.equal(finalstatus, mapping.finalstatus, `${code} finalstatus`);
    assert.ok(meaning && meaning.length > 10, `${code} has a meaning`);
  }
});

test('every core error code and every API error code is in the table', () => {
  for (const code of [...Object.values(ErrorCodes), ...Object.values(ApiErrorCodes)]) assert.ok(code in ERROR_TABLE, `${code} is mapped`);
  assert.equal(Object.keys(ERROR_TABLE).length, Object.values(ErrorCodes).length + Object.values(ApiErrorCodes).length);
});

test('statuses follow the decided rule: Rejected for 400/401/403/404/413/422/429, Failed for 424 and 500', () => {
  for (const [code, mapping] of Object.entries(ERROR_TABLE)) {
    assert.equal(mapping.finalstatus, mapping.status === 424 || mapping.status === 500 ? 'Failed' : 'Rejected', code);
    assert.ok([400, 401, 403, 404, 413, 422, 429, 424, 500].includes(mapping.status), code);
  }
  assert.equal(ERROR_TABLE[ErrorCodes.DN_NOT_FOUND].status, 404);
  assert.equal(ERROR_TABLE[ErrorCodes.INVALID_STATE].status, 422);
  assert.equal(ERROR_TABLE[ErrorCodes.DESTINATION_BUSY].status, 424);
});

test('docs/errors.md lists every token error code with its statuses', () => {
  const documented = tableAfter('## `/connect/token` errors');
  assert.deepEqual([...documented.keys()].sort(), Object.keys(OAUTH_ERROR_TABLE).sort());
  for (const [code, entry] of Object.entries(OAUTH_ERROR_TABLE)) assert.equal(documented.get(code)![0], entry.statuses.join(', '), `${code} statuses`);
});

test('resolveError: core and API errors by the table, validation to InvalidArgument, parse errors, anything else 500', () => {
  assert.deepEqual(resolveError(new CoreError(ErrorCodes.NO_ANSWER, 'x')), { status: 424, finalstatus: 'Failed', code: 'NoAnswer', message: 'x' });
  assert.equal(resolveError(new ApiError(ApiErrorCodes.FORBIDDEN, 'y')).status, 403);
  assert.equal(resolveError(Object.assign(new Error('v'), { validation: [{ instancePath: '/timeout', message: 'must be integer' }] })).code, 'InvalidArgument');
  assert.equal(resolveError(Object.assign(new Error('big'), { statusCode: 413 })).code, 'BodyTooLarge');
  assert.equal(resolveError(Object.assign(new Error('bad'), { statusCode: 415 })).code, 'MalformedBody');
  const internal = resolveError(new TypeError('bug'));
  assert.equal(internal.status, 500);
  assert.equal(internal.code, 'InternalError');
  assert.doesNotMatch(internal.message, /bug/, 'internal details stay in the log');
});
