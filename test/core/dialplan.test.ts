// Tests of the dial plan: internal numbers, external numbers through the trunk, refusals.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveDestination } from '../../src/core/dialplan.js';
import type { DnRecord } from '../../src/core/pbx.js';

function dn(number: string, kind: DnRecord['kind']): DnRecord {
  return { number, kind, name: number, devices: new Map(), offline: new Map(), autoAnswer: true };
}

const trunk = dn('10000', 'externalline');
const dns = new Map([
  ['100', dn('100', 'extension')],
  ['ai', dn('ai', 'routepoint')],
  ['10000', trunk],
]);

describe('dial plan', () => {
  test('internal numbers (also alphanumeric route points) reach their DN', () => {
    const target = resolveDestination('100', dns, trunk);
    assert.equal(target.kind === 'dn' && target.dn.number, '100');
    const ai = resolveDestination(' ai ', dns, trunk);
    assert.equal(ai.kind === 'dn' && ai.dn.number, 'ai');
  });

  test('every other number goes out through the trunk, with formatting dropped', () => {
    assert.deepEqual(resolveDestination('+1 (555) 000-1234', dns, trunk), { kind: 'external', number: '+15550001234', trunk });
    assert.deepEqual(resolveDestination('999', dns, trunk), { kind: 'external', number: '999', trunk });
  });

  test('refuses empty, non-numeric, too long and trunk destinations', () => {
    for (const bad of ['', '   ', 'abc', '12a', '+', 'x'.repeat(65), '1'.repeat(65), '10000', undefined, 42]) {
      assert.throws(() => resolveDestination(bad, dns, trunk), (error: { code?: string }) => error.code === 'InvalidDestination', `accepted ${String(bad)}`);
    }
  });

  test('external numbers without a trunk are unroutable: InvalidDestination, a request-level refusal (422)', () => {
    assert.throws(() => resolveDestination('+15550001', dns, undefined), (error: { code?: string; message?: string }) => error.code === 'InvalidDestination' && /unroutable/.test(error.message ?? ''));
  });
});
