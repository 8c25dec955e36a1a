// Tests of the outbound section: rules as loaded, the default rule, and precise problems (unknown trunk, bad pattern, duplicates).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { outboundRules } from '../../src/config/outbound.js';

const PBX = `
extensions:
  - number: 100
trunks:
  - number: 10000
  - number: 10001
`;

// The problem lines `PATH: MESSAGE` a configuration text yields, failing the test when it loads.
function problemLines(text: string): string[] {
  try {
    parseConfig(text, 'pbx.yaml', '/');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('outbound rules in the configuration', () => {
  test('load in order with numbers as strings, and become the core rules (patterns match whole numbers)', () => {
    const config = parseConfig(`${PBX}outbound:\n  - { prefix: 44, trunk: 10001 }\n  - { pattern: '\\+1\\d{10}', trunk: 10000 }\n  - { prefix: '', trunk: 10000 }\n`, 'pbx.yaml', '/');
    assert.deepEqual(config.outbound, [
      { prefix: '44', trunk: '10001' },
      { pattern: '\\+1\\d{10}', trunk: '10000' },
      { prefix: '', trunk: '10000' },
    ]);
    const rules = outboundRules(config);
    assert.deepEqual(rules[0], { prefix: '44', trunk: '10001' });
    const pattern = rules[1];
    assert.ok(pattern && 'pattern' in pattern);
    assert.equal(pattern.pattern.test('+15550001234'), true);
    assert.equal(pattern.pattern.test('+155500012345'), false, 'a pattern matches the whole number');
  });

  test('no outbound section: one rule sending every number through the first trunk; no trunk: no rule', () => {
    assert.deepEqual(outboundRules(parseConfig(PBX, 'pbx.yaml', '/')), [{ prefix: '', trunk: '10000' }]);
    assert.deepEqual(outboundRules(parseConfig(`${PBX}outbound: []\n`, 'pbx.yaml', '/')), [{ prefix: '', trunk: '10000' }]);
    assert.deepEqual(outboundRules(parseConfig('extensions:\n  - number: 100\n', 'pbx.yaml', '/')), []);
  });

  test('the embedded demo configuration is unchanged: no outbound section, its one trunk is the default', () => {
    const demo = demoConfig({ demoSecret: 'test-demo-secret' });
    assert.equal('outbound' in demo, false);
    assert.deepEqual(outboundRules(demo), [{ prefix: '', trunk: '10000' }]);
  });

  test('a rule naming an unknown DN or a DN that is not a trunk is a problem at its trunk key', () => {
    assert.deepEqual(problemLines(`${PBX}outbound:\n  - { prefix: '+44', trunk: 10002 }\n  - { prefix: '+33', trunk: 100 }\n`), [
      'outbound[0].trunk: names trunk 10002, which is not configured; outbound rules send numbers out through a trunk',
      'outbound[1].trunk: names DN 100, which is not a trunk; outbound rules send numbers out through a trunk',
    ]);
  });

  test('a bad or unsafe pattern is a problem at its pattern key', () => {
    assert.deepEqual(problemLines(`${PBX}outbound:\n  - { pattern: '(+44', trunk: 10000 }\n`), ['outbound[0].pattern: must be a valid regular expression: /(+44/: Nothing to repeat']);
    const [unsafe] = problemLines(`${PBX}outbound:\n  - { pattern: '(\\d+)+', trunk: 10000 }\n`);
    assert.match(unsafe ?? '', /^outbound\[0\]\.pattern: could take exponential time to match: /);
  });

  test('a rule needs exactly one of prefix and pattern', () => {
    assert.deepEqual(problemLines(`${PBX}outbound:\n  - { prefix: '+44', pattern: '\\+44.*', trunk: 10000 }\n  - { trunk: 10000 }\n`), [
      'outbound[0]: has both prefix and pattern; a rule has one or the other',
      "outbound[1]: needs prefix (the number's first digits, '' for every number) or pattern (a regular expression)",
    ]);
  });

  test('a rule repeating an earlier prefix or pattern is a duplicate (it could never match)', () => {
    assert.deepEqual(problemLines(`${PBX}outbound:\n  - { prefix: '+44', trunk: 10000 }\n  - { pattern: '9.*', trunk: 10000 }\n  - { prefix: '+44', trunk: 10001 }\n  - { pattern: '9.*', trunk: 10001 }\n`), [
      'outbound[2]: duplicate rule for prefix "+44" (also at outbound[0]); only the first can match',
      'outbound[3]: duplicate rule for pattern "9.*" (also at outbound[1]); only the first can match',
    ]);
  });

  test('the schema refuses a prefix that is not digits and a missing trunk', () => {
    const lines = problemLines(`${PBX}outbound:\n  - { prefix: '+4a', trunk: 10000 }\n  - { prefix: '1' }\n`);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', /^outbound\[0\]\.prefix: must be a number prefix/);
    assert.match(lines[1] ?? '', /^outbound\[1\]/);
  });
});
