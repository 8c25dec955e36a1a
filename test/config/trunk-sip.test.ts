// Tests the SIP keys of trunks (trunks[].sip): defaults, every key set, and each problem reported at its key without echoing secrets.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load.js';

function load(yaml: string) {
  return parseConfig(yaml, 'pbx.yaml', '/base');
}

function problems(yaml: string): string[] {
  try {
    load(yaml);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('the configuration was accepted');
}

const trunk = (sip: string, extra = '') => `${extra}trunks:\n  - number: 10000\n    sip: ${sip}\n`;

describe('trunks[].sip', () => {
  test('absent or null: a simulated trunk, with no sip key at all', () => {
    assert.equal('sip' in load('trunks:\n  - { number: 10000 }\n').trunks[0]!, false);
    assert.equal('sip' in load(trunk('null')).trunks[0]!, false);
  });

  test('registration mode with defaults: port 5060 over UDP, auth id = username, 600 s, From, Request-URI, numbers as sent', () => {
    const [t] = load(trunk('{ host: sip.example.com, register: true, username: 4420123, password: s3cret }')).trunks;
    assert.deepEqual(t!.sip, {
      host: 'sip.example.com',
      port: 5060,
      transport: 'udp',
      register: true,
      username: '4420123',
      authId: '4420123',
      password: 's3cret',
      expiresSeconds: 600,
      peers: [],
      callerId: 'from',
      didFrom: 'request-uri',
      numbers: null,
    });
  });

  test('every key can be set; TLS defaults to port 5061; prefixes keep their leading zeros', () => {
    const yaml = trunk(
      "{ host: 'sip.example.net', transport: tls, register: true, username: acme, authId: acme-auth, password: pw, expires: 120, peers: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'], callerId: pai, didFrom: { header: X-Original-To }, numbers: { countryCode: 44, nationalPrefix: 0, internationalPrefix: 00, outbound: national } }",
    );
    assert.deepEqual(load(yaml).trunks[0]!.sip, {
      host: 'sip.example.net',
      port: 5061,
      transport: 'tls',
      register: true,
      username: 'acme',
      authId: 'acme-auth',
      password: 'pw',
      expiresSeconds: 120,
      peers: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
      callerId: 'pai',
      didFrom: { header: 'X-Original-To' },
      numbers: { countryCode: '44', nationalPrefix: '0', internationalPrefix: '00', outbound: 'national' },
    });
    const peer = load(trunk('{ host: 192.0.2.10, port: 5080, transport: tcp, didFrom: to, callerId: rpid, numbers: { countryCode: 1, nationalPrefix: "", internationalPrefix: "011" } }')).trunks[0]!.sip!;
    assert.deepEqual([peer.port, peer.transport, peer.register, peer.didFrom, peer.callerId, peer.numbers], [5080, 'tcp', false, 'to', 'rpid', { countryCode: '1', nationalPrefix: '', internationalPrefix: '011', outbound: 'e164' }]);
  });

  test('bad values are reported at their key', () => {
    assert.deepEqual(
      problems(trunk("{ host: 'bad host', port: 0, transport: sctp, register: maybe, username: 'a b', expires: 30, callerId: nope, didFrom: body, numbers: { countryCode: 0, nationalPrefix: 12345, internationalPrefix: '', outbound: local }, colour: red }")),
      [
        "trunks[0].sip.host: must be a host name or an IPv4 or IPv6 address, got 'bad host'",
        'trunks[0].sip.port: must be an integer from 1 to 65535, got 0',
        "trunks[0].sip.transport: must be one of udp, tcp, tls, got 'sctp'",
        "trunks[0].sip.register: must be true or false, got 'maybe'",
        "trunks[0].sip.username: must be a SIP user name (1-64 letters, digits or -_.!~*'()&=+$,;?/), got 'a b'",
        'trunks[0].sip.expires: must be an integer from 60 to 86400 (seconds), got 30',
        "trunks[0].sip.callerId: must be one of from, pai, rpid, got 'nope'",
        "trunks[0].sip.didFrom: must be one of request-uri, to, got 'body'",
        'trunks[0].sip.numbers.countryCode: must be a country calling code of 1-3 digits, got 0',
        "trunks[0].sip.numbers.nationalPrefix: must be up to 4 digits ('' for none), got 12345",
        "trunks[0].sip.numbers.internationalPrefix: must be 1-4 digits, got ''",
        "trunks[0].sip.numbers.outbound: must be one of e164, e164-digits, national, got 'local'",
        "trunks[0].sip.colour: unknown key 'colour' (allowed: host, port, transport, register, username, authId, password, expires, peers, callerId, didFrom, numbers)",
      ],
    );
    assert.deepEqual(problems(trunk('{ register: false }')), ['trunks[0].sip.host: required']);
    assert.deepEqual(problems(trunk('{ host: 192.0.2.1, numbers: { nationalPrefix: 0 } }')), ['trunks[0].sip.numbers.countryCode: required']);
    assert.deepEqual(problems(trunk('{ host: 192.0.2.1, didFrom: { header: "X Y" } }')), ["trunks[0].sip.didFrom.header: must be a SIP header name (a token of 1-64 characters), got 'X Y'"]);
    assert.deepEqual(problems(trunk('true')), ['trunks[0].sip: must be a mapping of SIP trunk settings (host, register, ...), or null for a simulated trunk, got true']);
  });

  test('register: true needs username and password; the password is never echoed', () => {
    assert.deepEqual(problems(trunk('{ host: sip.example.com, register: true }')), ['trunks[0].sip.username: required when register is true', 'trunks[0].sip.password: required when register is true']);
    const found = problems(trunk("{ host: sip.example.com, register: true, username: u, password: '' }"));
    assert.deepEqual(found, ['trunks[0].sip.password: must be a string of 1 to 200 characters, got 0 characters']);
    const long = 'x'.repeat(201);
    const tooLong = problems(trunk(`{ host: sip.example.com, register: true, username: u, password: '${long}' }`));
    assert.deepEqual(tooLong, ['trunks[0].sip.password: must be a string of 1 to 200 characters, got 201 characters']);
    assert.deepEqual(problems(trunk('{ host: sip.example.com, register: true, username: u, password: 12345678 }')), ['trunks[0].sip.password: must be a string of 1 to 200 characters, got a number']);
  });

  test('peers: addresses or CIDR blocks, not too wide, without host bits; a host name in IP-peer mode needs them', () => {
    assert.deepEqual(problems(trunk("{ host: 192.0.2.1, peers: ['0.0.0.0/0', '10.0.0.1/8', 'gateway', '2001:db8::1/32', '::/8', '192.0.2.0/33', '192.0.2.0/24/1'] }")), [
      'trunks[0].sip.peers[0]: is too wide (/0): a peer block is at least /8, so that the trunk is not open to most of the Internet',
      'trunks[0].sip.peers[1]: has host bits set; the block is written 10.0.0.0/8',
      "trunks[0].sip.peers[2]: must be an IPv4 or IPv6 address, or a CIDR block like 203.0.113.0/24, got 'gateway'",
      'trunks[0].sip.peers[3]: has host bits set; the block is written 2001:db8::/32',
      'trunks[0].sip.peers[4]: is too wide (/8): a peer block is at least /16, so that the trunk is not open to most of the Internet',
      "trunks[0].sip.peers[5]: must have a prefix length from 0 to 32, got '192.0.2.0/33'",
      "trunks[0].sip.peers[6]: must be an IPv4 or IPv6 address, or a CIDR block like 203.0.113.0/24, got '192.0.2.0/24/1'",
    ]);
    assert.deepEqual(problems(trunk('{ host: gw.example.com }')), ['trunks[0].sip.peers: required in IP-peer mode (register is false) when host is a name: list the addresses gw.example.com sends from']);
    // An address as host is its own peer; a registering trunk needs no peers.
    assert.equal(load(trunk('{ host: 192.0.2.1 }')).trunks[0]!.sip!.peers.length, 0);
    assert.equal(load(trunk('{ host: gw.example.com, register: true, username: u, password: p }')).trunks[0]!.sip!.peers.length, 0);
  });

  test("the trunk uses the PBX's own SIP listener: it must run, on the trunk's transport (TLS connects out by itself)", () => {
    assert.deepEqual(problems(trunk('{ host: 192.0.2.1 }', 'server:\n  sip: { enabled: false }\n')), ["trunks[0].sip: needs the PBX's SIP listener, but server.sip.enabled is false"]);
    assert.deepEqual(problems(trunk('{ host: 192.0.2.1, transport: udp }', 'server:\n  sip: { transports: [tcp] }\n')), [
      'trunks[0].sip.transport: is udp, but server.sip.transports (tcp) has no udp listener for the trunk to use',
    ]);
    assert.equal(load(trunk('{ host: 192.0.2.1, transport: tls }', 'server:\n  sip: { transports: [udp] }\n')).trunks[0]!.sip!.transport, 'tls');
  });
});
