// Configuration patterns that could backtrack catastrophically are refused at load, with the key path; safe ones load.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, normalizeConfig } from '../../src/config/load.js';
import { unsafePatternReason } from '../../src/config/safe-pattern.js';

const UNSAFE = ['(\\d+)+', '(a*)*', '(a|aa)+', '(\\d?)+', '(?:1|11)*2', '((\\d)+)+', '(\\d{1,3}){2,}', '(a)\\1', '\\d*\\d*\\d*\\d*x', '(?<n>\\d+)+'];
const SAFE = ['\\+44.*', '\\+1555\\d{4}', '(\\+|00)44\\d+', '(?:\\+1)?555\\d{7}', '[0-9*#]+', '(?:12){3}', '\\+49(?=\\d)\\d{5,12}', '[(+]\\d+'];

function load(pattern: string) {
  return normalizeConfig({ external: { numbers: [{ pattern, behaviour: 'busy' }] } }, 'pbx.yaml', process.cwd());
}

test('patterns with nested repetition, backreferences or too many variable repetitions are refused at their key path', () => {
  for (const pattern of UNSAFE) {
    assert.ok(unsafePatternReason(pattern) !== undefined, `${pattern} passed the check`);
    assert.throws(() => load(pattern), (error: unknown) => error instanceof ConfigError && /pbx\.yaml: external\.numbers\[0\]\.pattern: could take exponential time/.test(error.message), pattern);
  }
});

test('ordinary number patterns load', () => {
  for (const pattern of SAFE) {
    assert.equal(unsafePatternReason(pattern), undefined, pattern);
    assert.doesNotThrow(() => load(pattern), pattern);
  }
});

test('the refusal matters: a refused pattern really takes long on a 20-digit mismatch, its safe rewrite does not', () => {
  const number = `${'1'.repeat(20)}x`;
  const fastStart = performance.now();
  /^(?:\d+)$/.test(number);
  const fastMs = performance.now() - fastStart;
  // (\d+)+ against 20 digits and a mismatch tries every split of the digits: about 2^20 paths.
  const slowStart = performance.now();
  /^(?:(\d+)+)$/.test(number);
  const slowMs = performance.now() - slowStart;
  assert.ok(slowMs > 20 && slowMs > fastMs * 10, `(\\d+)+ took ${slowMs.toFixed(1)} ms, \\d+ ${fastMs.toFixed(3)} ms`);
});
