// Unit tests of trunk matching by source address (provider, IP peers, CIDR, IPv6), DID and caller reading, and number normalisation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { TrunkNumberFormat } from '../../src/config/types.js';
import { addressBits, callerIdHeaders, callerOf, didOf, fromE164, toE164, TrunkMatcher } from '../../src/endpoints/sip/trunk-match.js';
import { parseMessage } from '../../src/sip/parser.js';
import type { SipRequest } from '../../src/sip/message.js';

const CONFIG = parseConfig(
  `trunks:
  - { number: 10000, sip: { host: sip.provider.example, register: true, username: acme, password: pw } }
  - { number: 10001, sip: { host: 192.0.2.20 } }
  - { number: 10002, sip: { host: gw.example, peers: ['198.51.100.0/24', '2001:db8:5::/48'] } }
  - { number: 10003, sip: { host: gw2.example, peers: ['198.51.100.77'] } }
  - { number: 10004, sip: { host: sip.other.example, register: true, username: u, password: p, peers: ['203.0.113.0/28'] } }
  - { number: 10005 }
`,
  'pbx.yaml',
  '/base',
);

function request(lines: string[]): SipRequest {
  const msg = parseMessage(Buffer.from([...lines, 'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKx', 'Call-ID: c', 'CSeq: 1 INVITE', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n')));
  assert.equal(msg.type, 'request');
  return msg;
}

describe('TrunkMatcher', () => {
  const providers: Record<string, string> = { '10000': '203.0.113.200' };
  const matcher = new TrunkMatcher(CONFIG.trunks, (trunk) => providers[trunk]);
  const trunkOf = (source: string) => matcher.match(source)?.number;

  test("a registering trunk matches its provider's looked-up address, and its peers", () => {
    assert.equal(trunkOf('203.0.113.200'), '10000');
    assert.equal(trunkOf('::ffff:203.0.113.200'), '10000', 'IPv4-mapped IPv6 is the same source');
    assert.equal(trunkOf('203.0.113.9'), '10004');
    // Not looked up yet: nothing matches the provider.
    assert.equal(new TrunkMatcher(CONFIG.trunks, () => undefined).match('203.0.113.200'), undefined);
  });

  test('an IP-peer trunk matches its host address when it lists no peers, else its peers (CIDR, IPv6)', () => {
    assert.equal(trunkOf('192.0.2.20'), '10001');
    assert.equal(trunkOf('192.0.2.21'), undefined);
    assert.equal(trunkOf('198.51.100.5'), '10002');
    assert.equal(trunkOf('2001:db8:5:ffff::1'), '10002');
    assert.equal(trunkOf('2001:DB8:5::9'), '10002', 'case does not matter');
    assert.equal(trunkOf('2001:db8:6::1'), undefined);
  });

  test('the most specific match wins: an address over the block it is in', () => {
    assert.equal(trunkOf('198.51.100.77'), '10003');
    assert.equal(trunkOf('198.51.100.78'), '10002');
  });

  test('anything else is from no trunk, and so is a source that is not an address', () => {
    for (const source of ['127.0.0.1', '10.0.0.1', '::1', 'unknown', '', 'sip.provider.example', '1.2.3']) assert.equal(trunkOf(source), undefined, source);
  });

  test('addresses parse as 128 bits, IPv4 as IPv4-mapped', () => {
    assert.equal(addressBits('192.0.2.1'), addressBits('::ffff:192.0.2.1'));
    assert.equal(addressBits('[2001:db8::1]'), addressBits('2001:0db8:0:0:0:0:0:1'));
    assert.equal(addressBits('::'), 0n);
    for (const bad of ['2001:db8::1::2', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '256.0.0.1', 'g::1', '1.2.3.4.5']) assert.equal(addressBits(bad), undefined, bad);
  });
});

describe('didOf and callerOf', () => {
  const invite = request([
    'INVITE sip:%2B15550100@pbx.example;user=phone SIP/2.0',
    'From: "Caller" <sip:0201234567@provider.example>;tag=1',
    'To: <sip:+15550101@pbx.example>',
    'X-Original-To: 0015550102',
    'X-Called: <tel:+15550103>',
  ]);

  test('the DID from the Request-URI, To, or a header (an address or a bare number)', () => {
    assert.equal(didOf(invite, 'request-uri'), '+15550100');
    assert.equal(didOf(invite, 'to'), '+15550101');
    assert.equal(didOf(invite, { header: 'X-Original-To' }), '0015550102');
    assert.equal(didOf(invite, { header: 'X-Called' }), '+15550103');
    assert.equal(didOf(invite, { header: 'X-Missing' }), undefined);
  });

  test('the caller from P-Asserted-Identity, then Remote-Party-ID, then From', () => {
    assert.equal(callerOf(invite), '0201234567');
    assert.equal(callerOf(request(['INVITE sip:1@x SIP/2.0', 'From: <sip:anonymous@anonymous.invalid>;tag=1', 'To: <sip:1@x>', 'Remote-Party-ID: <sip:+4420123@p>;party=calling'])), '+4420123');
    assert.equal(callerOf(request(['INVITE sip:1@x SIP/2.0', 'From: <sip:anonymous@anonymous.invalid>;tag=1', 'To: <sip:1@x>', 'P-Asserted-Identity: <sip:+4420999@p>', 'Remote-Party-ID: <sip:+4420123@p>'])), '+4420999');
  });

  test('caller id headers on the way out', () => {
    assert.deepEqual(callerIdHeaders('from', '+15550100', 'pbx.example'), []);
    assert.deepEqual(callerIdHeaders('pai', '+15550100', 'pbx.example'), [['P-Asserted-Identity', '<sip:+15550100@pbx.example>']]);
    assert.deepEqual(callerIdHeaders('rpid', '+15550100', '2001:db8::1'), [['Remote-Party-ID', '<sip:+15550100@[2001:db8::1]>;party=calling;screen=yes;privacy=off']]);
  });
});

describe('number normalisation', () => {
  const uk: TrunkNumberFormat = { countryCode: '44', nationalPrefix: '0', internationalPrefix: '00', outbound: 'national' };

  test('in: +E.164 stays, the international prefix becomes +, the national prefix the country code; short codes stay', () => {
    assert.equal(toE164('+44 20 7946 0000', uk), '+442079460000');
    assert.equal(toE164('0033 1 23 45 67 89', uk), '+33123456789');
    assert.equal(toE164('020 7946-0000', uk), '+442079460000');
    assert.equal(toE164('999', uk), '999');
    assert.equal(toE164('441632960000', { ...uk, outbound: 'e164-digits' }), '+441632960000');
    assert.equal(toE164('011 33 123', { countryCode: '1', nationalPrefix: '1', internationalPrefix: '011', outbound: 'e164' }), '+33123');
    assert.equal(toE164('(555) 010-0100', null), '5550100100', 'without rules only separators go');
  });

  test('out: the style the provider takes', () => {
    assert.equal(fromE164('+442079460000', uk), '02079460000');
    assert.equal(fromE164('+33123456789', uk), '0033123456789');
    assert.equal(fromE164('+442079460000', { ...uk, outbound: 'e164-digits' }), '442079460000');
    assert.equal(fromE164('+442079460000', { ...uk, outbound: 'e164' }), '+442079460000');
    assert.equal(fromE164('112', uk), '112');
    assert.equal(fromE164('+1 555 0100', null), '+15550100');
  });
});
