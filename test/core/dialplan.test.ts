// Tests of the dial plan: internal numbers, external numbers through the trunk its outbound rules pick, refusals.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultOutboundRules, resolveDestination, type OutboundRule } from '../../src/core/dialplan.js';
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
const rules: OutboundRule[] = [{ prefix: '', trunk: '10000' }];

describe('dial plan', () => {
  test('internal numbers (also alphanumeric route points) reach their DN', () => {
    const target = resolveDestination('100', dns, rules);
    assert.equal(target.kind === 'dn' && target.dn.number, '100');
    const ai = resolveDestination(' ai ', dns, rules);
    assert.equal(ai.kind === 'dn' && ai.dn.number, 'ai');
  });

  test('every other number goes out through the trunk, with formatting dropped', () => {
    assert.deepEqual(resolveDestination('+1 (555) 000-1234', dns, rules), { kind: 'external', number: '+15550001234', trunk });
    assert.deepEqual(resolveDestination('999', dns, rules), { kind: 'external', number: '999', trunk });
  });

  test('refuses empty, non-numeric, too long and trunk destinations', () => {
    for (const bad of ['', '   ', 'abc', '12a', '+', 'x'.repeat(65), '1'.repeat(65), '10000', undefined, 42]) {
      assert.throws(() => resolveDestination(bad, dns, rules), (error: { code?: string }) => error.code === 'InvalidDestination', `accepted ${String(bad)}`);
    }
  });

  test('external numbers without a trunk are unroutable: InvalidDestination, a request-level refusal (422)', () => {
    const noTrunk = new Map([['100', dn('100', 'extension')]]);
    assert.throws(() => resolveDestination('+15550001', noTrunk, undefined), (error: { code?: string; message?: string }) => error.code === 'InvalidDestination' && /unroutable: no trunk is configured/.test(error.message ?? ''));
    assert.throws(() => resolveDestination('+15550001', noTrunk, defaultOutboundRules(noTrunk)), (error: { code?: string; message?: string }) => error.code === 'InvalidDestination' && /unroutable: no outbound rule matches it/.test(error.message ?? ''));
  });

  describe('outbound rules', () => {
    const second = dn('10001', 'externalline');
    const twoTrunks = new Map([...dns, ['10001', second]]);
    const routes: OutboundRule[] = [
      { prefix: '+44', trunk: '10001' },
      { pattern: /^(?:\+1[0-9]{10})$/, trunk: '10000' },
    ];

    test('the first matching rule picks the trunk: by prefix, or by whole-number pattern', () => {
      assert.deepEqual(resolveDestination('+44 20 7946 0000', twoTrunks, routes), { kind: 'external', number: '+442079460000', trunk: second });
      assert.deepEqual(resolveDestination('+15550001234', twoTrunks, routes), { kind: 'external', number: '+15550001234', trunk });
    });

    test('a number no rule matches is InvalidDestination, saying so', () => {
      assert.throws(
        () => resolveDestination('+3312345678', twoTrunks, routes),
        (error: { code?: string; message?: string }) => error.code === 'InvalidDestination' && error.message === '+3312345678 is unroutable: no outbound rule matches it',
      );
    });

    test('a rule naming a DN that is not a trunk is unroutable, not a call to that DN', () => {
      assert.throws(
        () => resolveDestination('555', twoTrunks, [{ prefix: '', trunk: '100' }]),
        (error: { code?: string; message?: string }) => error.code === 'InvalidDestination' && /names 100, which is not a trunk/.test(error.message ?? ''),
      );
    });

    test('the default rules send every number through the first trunk', () => {
      assert.deepEqual(defaultOutboundRules(twoTrunks), [{ prefix: '', trunk: '10000' }]);
      assert.deepEqual(resolveDestination('999', twoTrunks, undefined), { kind: 'external', number: '999', trunk });
    });
  });
});
