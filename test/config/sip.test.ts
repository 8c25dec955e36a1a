// Tests the SIP keys of the configuration: server.sip defaults and overrides, extensions[].sip credentials, and their problems.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'pbx.yaml', '/base');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('the configuration was accepted');
}

describe('server.sip', () => {
  test('every key can be set; repeated list entries count once', () => {
    const config = parseConfig(
      'server:\n  sip: { enabled: false, host: 0.0.0.0, port: 0, transports: [tcp, tcp], realm: office, algorithms: [SHA-256], banSeconds: 60, tls: { enabled: true, port: 5071 } }\n',
      'pbx.yaml',
      '/base',
    );
    assert.deepEqual(config.server.sip, { enabled: false, host: '0.0.0.0', port: 0, transports: ['tcp'], realm: 'office', algorithms: ['SHA-256'], banSeconds: 60, tls: { enabled: true, port: 5071 }, rtp: { address: '127.0.0.1', portMin: 10000, portMax: 20000 } });
  });

  test('bad values are reported at their key', () => {
    assert.deepEqual(problems('server:\n  sip: { port: 70000, transports: [sctp], algorithms: [], banSeconds: 0 }\n'), [
      'server.sip.port: must be an integer from 0 to 65535, got 70000',
      'server.sip.transports[0]: must be one of udp, tcp, got \'sctp\'',
      'server.sip.algorithms: must be a list of MD5 and/or SHA-256, got a list',
      'server.sip.banSeconds: must be an integer from 1 to 86400 (seconds), got 0',
    ]);
  });

  test('TLS is off by default on 5061; a bad TLS port is reported, and so is the TCP port reused for TLS', () => {
    assert.deepEqual(parseConfig('server:\n  sip: { port: 5070 }\n', 'pbx.yaml', '/base').server.sip.tls, { enabled: false, port: 5061 });
    assert.deepEqual(problems('server:\n  sip: { tls: { enabled: yes-please, port: -1, cert: x } }\n'), [
      "server.sip.tls.enabled: must be true or false, got 'yes-please'",
      'server.sip.tls.port: must be an integer from 0 to 65535, got -1',
      "server.sip.tls.cert: unknown key 'cert' (allowed: enabled, port)",
    ]);
    assert.deepEqual(problems('server:\n  sip: { port: 5070, tls: { enabled: true, port: 5070 } }\n'), ['server.sip.tls.port: must differ from server.sip.port (5070), which TCP uses']);
    assert.deepEqual(parseConfig('server:\n  sip: { port: 5070, transports: [udp], tls: { enabled: true, port: 5070 } }\n', 'pbx.yaml', '/base').server.sip.tls, { enabled: true, port: 5070 });
  });
});

describe('extensions[].sip', () => {
  test('the auth id defaults to the extension number; extensions without sip have none', () => {
    const config = parseConfig('extensions:\n  - { number: 100, sip: { password: secret-100 } }\n  - { number: 101, sip: { authId: bob, password: secret-101 } }\n  - { number: 102 }\n', 'pbx.yaml', '/base');
    assert.deepEqual(
      config.extensions.map((e) => e.sip),
      [{ authId: '100', password: 'secret-100', autoAnswer: 'none' }, { authId: 'bob', password: 'secret-101', autoAnswer: 'none' }, null],
    );
  });

  test('a password is required, at least 8 characters, and never echoed; auth ids are unique', () => {
    const found = problems('extensions:\n  - { number: 100, sip: { password: short } }\n  - { number: 101, sip: { authId: x } }\n  - { number: 102, sip: { authId: "100", password: long-enough } }\n  - { number: 103, sip: { authId: "100", password: long-enough } }\n');
    assert.ok(found.includes('extensions[0].sip.password: must be a string of 8 to 200 characters, got 5 characters'), found.join('\n'));
    assert.ok(found.includes('extensions[1].sip.password: required'), found.join('\n'));
    // Extension 100's auth id is its number, so another extension cannot take "100".
    assert.ok(found.includes('extensions[2].sip.authId: duplicate SIP auth id 100 (also at extensions[0].sip.authId)'), found.join('\n'));
    assert.ok(!found.join('\n').includes('short'), 'the password itself is not in the message');
  });
});

describe('server.sip.rtp and extensions[].sip.autoAnswer', () => {
  test('RTP defaults to loopback and 10000-20000; a range is checked and must hold an even/odd pair', () => {
    assert.deepEqual(parseConfig('{}\n', 'pbx.yaml', '/base').server.sip.rtp, { address: '127.0.0.1', portMin: 10000, portMax: 20000 });
    assert.deepEqual(parseConfig('server:\n  sip: { rtp: { address: 10.0.0.5, portMin: 30000, portMax: 30099 } }\n', 'pbx.yaml', '/base').server.sip.rtp, { address: '10.0.0.5', portMin: 30000, portMax: 30099 });
    assert.deepEqual(problems('server:\n  sip: { rtp: { address: 0.0.0.0 } }\n'), ['server.sip.rtp.address: must be an address phones can send RTP to (it is written in SDP), not the wildcard 0.0.0.0']);
    assert.deepEqual(problems('server:\n  sip: { rtp: { portMin: 80, portMax: 70000, port: 1 } }\n'), [
      'server.sip.rtp.portMin: must be an integer from 1024 to 65535, got 80',
      'server.sip.rtp.portMax: must be an integer from 1024 to 65535, got 70000',
      "server.sip.rtp.port: unknown key 'port' (allowed: address, portMin, portMax)",
    ]);
    assert.deepEqual(problems('server:\n  sip: { rtp: { portMin: 30001, portMax: 30002 } }\n'), ['server.sip.rtp.portMax: must leave room for an even RTP port and the RTCP port after it from portMin (30001); got 30002']);
  });

  test('autoAnswer is none, call-info or answer-mode', () => {
    const config = parseConfig('extensions:\n  - { number: 100, sip: { password: secret-100, autoAnswer: call-info } }\n  - { number: 101, sip: { password: secret-101, autoAnswer: answer-mode } }\n', 'pbx.yaml', '/base');
    assert.deepEqual(config.extensions.map((e) => e.sip?.autoAnswer), ['call-info', 'answer-mode']);
    const found = problems('extensions:\n  - { number: 100, sip: { password: secret-100, autoAnswer: yes } }\n');
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] ?? '', /^extensions\[0\]\.sip\.autoAnswer: /);
  });
});
