// Message model, parser, serializer and stream framer: the behaviours the torture corpus does not pin down.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatNameAddr, parseNameAddr } from '../../src/sip/address.js';
import { SipParseError } from '../../src/sip/errors.js';
import { StreamFramer } from '../../src/sip/framer.js';
import { canonicalHeaderName, headerKey, SipHeaders } from '../../src/sip/headers.js';
import { MAX_SIP_HEADER_LINES, MAX_SIP_MESSAGE_BYTES, MAX_SIP_STREAM_BUFFER_BYTES } from '../../src/sip/limits.js';
import { contactsOf, cseqOf, expiresOf, type SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { serializeMessage } from '../../src/sip/serializer.js';
import { aorKey, formatUri, parseUri, type SipUri, type TelUri } from '../../src/sip/uri.js';
import { formatVia, parseVia, viaSentBy } from '../../src/sip/via.js';

const OPTIONS = [
  'OPTIONS sip:100@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1;rport',
  'From: <sip:alice@127.0.0.1>;tag=a1',
  'To: <sip:100@127.0.0.1>',
  'Call-ID: c1@127.0.0.1',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function refuses(bytes: string | Buffer, code: string, options = {}): void {
  assert.throws(() => parseMessage(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), options), (err: unknown) => err instanceof SipParseError && err.code === code);
}

describe('headers', () => {
  test('compact forms and any case name the same header; unknown names keep their spelling', () => {
    for (const [compact, long] of [['i', 'Call-ID'], ['m', 'Contact'], ['f', 'From'], ['t', 'To'], ['v', 'Via'], ['l', 'Content-Length'], ['c', 'Content-Type'], ['k', 'Supported'], ['s', 'Subject'], ['e', 'Content-Encoding'], ['o', 'Event'], ['u', 'Allow-Events'], ['r', 'Refer-To'], ['b', 'Referred-By'], ['x', 'Session-Expires'], ['y', 'Identity']]) {
      assert.equal(headerKey(compact!), headerKey(long!.toUpperCase()));
      assert.equal(canonicalHeaderName(compact!.toUpperCase()), long);
    }
    assert.equal(canonicalHeaderName('X-Custom-thing'), 'X-Custom-thing');
    const h = new SipHeaders([{ name: 'x-a', value: '1' }, { name: 'V', value: 'SIP/2.0/UDP a' }]);
    assert.equal(h.get('X-A'), '1');
    assert.deepEqual(h.getAll('via'), ['SIP/2.0/UDP a']);
    h.set('Via', 'SIP/2.0/TCP b').prepend('Via', 'SIP/2.0/TCP c').delete('x-A');
    assert.deepEqual([...h].map((f) => `${f.name}: ${f.value}`), ['Via: SIP/2.0/TCP c', 'Via: SIP/2.0/TCP b']);
  });

  test('list headers split on commas outside quotes and angle brackets only', () => {
    const m = parseMessage(Buffer.from(OPTIONS.replace('Max-Forwards', 'Contact: "a, b" <sip:x@h;p=1>, <sip:y,z@h>;q=0.5\r\nRecord-Route: <sip:p1;lr>,<sip:p2;lr>\r\nMax-Forwards')));
    const contacts = contactsOf(m);
    assert.ok(contacts !== '*');
    assert.equal(contacts.length, 2);
    assert.equal(contacts[0]?.displayName, 'a, b');
    assert.equal(contacts[1]?.params.get('q'), '0.5');
    assert.equal((contacts[1]?.uri as SipUri).user, 'y,z');
    assert.equal(m.headers.getAll('Record-Route').length, 2);
    assert.equal(m.headers.get('Authorization'), undefined);
  });

  test('Authorization values keep their commas (not a list header)', () => {
    const m = parseMessage(Buffer.from(OPTIONS.replace('Max-Forwards', 'Authorization: Digest username="a", realm="b"\r\nMax-Forwards')));
    assert.equal(m.headers.get('Authorization'), 'Digest username="a", realm="b"');
  });

  test('Contact * is the wildcard', () => {
    assert.equal(contactsOf(parseMessage(Buffer.from(OPTIONS.replace('Max-Forwards', 'Contact: *\r\nMax-Forwards')))), '*');
  });
});

describe('URIs and addresses', () => {
  test('SIP URI parts, IPv6 hosts, params and headers round-trip', () => {
    const text = 'sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&priority=urgent';
    const uri = parseUri(text) as SipUri;
    assert.deepEqual([uri.scheme, uri.user, uri.password, uri.host, uri.port, uri.params.get('transport'), uri.params.get('lr')], ['sips', 'alice', 'secret', '[2001:db8::1]', 5061, 'tcp', null]);
    assert.deepEqual(uri.headers, [['subject', 'hi'], ['priority', 'urgent']]);
    assert.equal(formatUri(uri), text);
    assert.equal(aorKey(parseUri('sip:%61lice@EXAMPLE.com;transport=udp') as SipUri), 'sip:alice@example.com');
  });

  test('tel URIs and other schemes', () => {
    const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com') as TelUri;
    assert.equal(tel.number, '+1-201-555-0123');
    assert.equal(tel.params.get('phone-context'), 'example.com');
    assert.equal(formatUri(parseUri('urn:service:sos')), 'urn:service:sos');
  });

  test('bad URIs are refused', () => {
    for (const bad of ['sip:', 'sip:user@', 'sip:a b@host', 'sip:host:99999', 'sip:u%zz@host', 'sip:host;=x', ':nothing', 'sip:host?']) {
      assert.throws(() => parseUri(bad), SipParseError, bad);
    }
  });

  test('name-addr forms: quoted, token display names, bare addr-spec with header params', () => {
    const a = parseNameAddr('"Alice \\"A\\"" <sip:alice@h>;tag=1');
    assert.equal(a.displayName, 'Alice "A"');
    assert.equal(formatNameAddr(a), '"Alice \\"A\\"" <sip:alice@h>;tag=1');
    const b = parseNameAddr('sip:bob@h;tag=2');
    assert.equal(b.params.get('tag'), '2');
    assert.equal((b.uri as SipUri).params.size, 0);
    assert.equal(formatNameAddr(parseNameAddr('Bob Smith <sip:b@h>')), 'Bob Smith <sip:b@h>');
    for (const bad of ['"open <sip:a@h>', 'a, b <sip:a@h>', '<sip:a@h', '< sip:a@h>', 'sip:a@h?x=1', '<sip:a@h>;;', '']) assert.throws(() => parseNameAddr(bad), SipParseError, bad);
  });

  test('Via: received, rport, default ports by transport', () => {
    const via = parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx;rport;received=10.0.0.1');
    assert.equal(via.params.get('rport'), null);
    assert.equal(via.params.get('received'), '10.0.0.1');
    assert.equal(viaSentBy(via), '192.0.2.1:5060');
    assert.equal(viaSentBy(parseVia('SIP/2.0/TLS Host.example:5062')), 'host.example:5062');
    assert.equal(viaSentBy(parseVia('SIP/2.0/TLS host.example')), 'host.example:5061');
    assert.equal(formatVia(via), 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx;rport;received=10.0.0.1');
    for (const bad of ['SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDP host:99999', 'SIP/2.0/UDP host junk']) assert.throws(() => parseVia(bad), SipParseError, bad);
  });
});

describe('parser and serializer', () => {
  test('a message survives serialize then parse, and Content-Length is corrected to the body', () => {
    const m = parseMessage(Buffer.from(OPTIONS)) as SipRequest;
    m.body = Buffer.from('hello');
    m.headers.set('Content-Type', 'text/plain');
    const bytes = serializeMessage(m);
    assert.match(bytes.toString(), /\r\nContent-Length: 5\r\n/);
    const again = parseMessage(bytes, { stream: true }) as SipRequest;
    assert.equal(again.body.toString(), 'hello');
    assert.deepEqual(cseqOf(again), { seq: 1, method: 'OPTIONS' });
  });

  test('the serializer refuses header values that would inject lines', () => {
    const m = parseMessage(Buffer.from(OPTIONS));
    m.headers.set('Subject', 'x\r\nVia: evil');
    assert.throws(() => serializeMessage(m), RangeError);
  });

  test('blank lines before the start line are ignored; bare LF line ends are tolerated', () => {
    assert.equal(parseMessage(Buffer.from(`\r\n\r\n${OPTIONS}`)).type, 'request');
    assert.equal(parseMessage(Buffer.from(OPTIONS.replace(/\r\n/g, '\n'))).type, 'request');
  });

  test('limits: message size, header count, line length', () => {
    refuses(Buffer.alloc(MAX_SIP_MESSAGE_BYTES + 1, 0x41), 'TOO_LARGE');
    refuses(OPTIONS.replace('Max-Forwards', `${'X-A: 1\r\n'.repeat(MAX_SIP_HEADER_LINES + 1)}Max-Forwards`), 'TOO_LARGE');
    refuses(OPTIONS.replace('Max-Forwards', `X-Long: ${'a'.repeat(9000)}\r\nMax-Forwards`), 'TOO_LARGE');
  });

  test('stream bodies must match Content-Length exactly and Content-Length is required with a body', () => {
    refuses(`${OPTIONS}extra`, 'BAD_CONTENT_LENGTH', { stream: true });
    refuses(`${OPTIONS.replace('Content-Length: 0\r\n', '')}body`, 'BAD_CONTENT_LENGTH', { stream: true });
  });

  test('a status code outside 100-699 or not three digits is refused', () => {
    const res = (line: string) => `${line}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n`;
    assert.equal(parseMessage(Buffer.from(res('SIP/2.0 699 Odd'))).type, 'response');
    refuses(res('SIP/2.0 099 Low'), 'MALFORMED_START_LINE');
    refuses(res('SIP/2.0 1000 Big'), 'MALFORMED_START_LINE');
    refuses(res('SIP/3.0 200 OK'), 'UNSUPPORTED_VERSION');
  });

  test('Expires beyond 2^32-1 reads as 2^32-1', () => {
    const m = parseMessage(Buffer.from(OPTIONS.replace('Max-Forwards', 'Expires: 99999999999999\r\nMax-Forwards')));
    assert.equal(expiresOf(m), 2 ** 32 - 1);
  });
});

describe('stream framer', () => {
  test('splits several messages in one chunk and one message across many chunks', () => {
    const framer = new StreamFramer();
    const two = Buffer.from(OPTIONS + OPTIONS.replace('CSeq: 1', 'CSeq: 2'));
    const events = framer.push(two);
    assert.deepEqual(events.map((e) => e.kind), ['message', 'message']);
    const bytes = Buffer.from(OPTIONS.replace('Content-Length: 0', 'Content-Length: 4') + 'body');
    const got = [];
    for (let i = 0; i < bytes.length; i++) got.push(...framer.push(bytes.subarray(i, i + 1)));
    assert.equal(got.length, 1);
    const e = got[0];
    assert.ok(e?.kind === 'message');
    assert.equal((parseMessage(e.bytes, { stream: true }) as SipRequest).body.toString(), 'body');
    assert.equal(framer.bufferedBytes, 0);
  });

  test('CRLF CRLF between messages is a keep-alive ping; a lone CRLF is skipped', () => {
    const framer = new StreamFramer();
    assert.deepEqual(framer.push(Buffer.from('\r\n\r\n')).map((e) => e.kind), ['ping']);
    assert.deepEqual(framer.push(Buffer.from('\r\n')).map((e) => e.kind), []);
    assert.deepEqual(framer.push(Buffer.from(OPTIONS)).map((e) => e.kind), ['message']);
    const split = new StreamFramer();
    assert.deepEqual(split.push(Buffer.from('\r\n')), []);
    assert.deepEqual(split.push(Buffer.from('\r\n')).map((e) => e.kind), ['ping']);
  });

  test('a bad Content-Length, an endless header section or an oversized buffer is fatal', () => {
    const bad = new StreamFramer();
    assert.deepEqual(bad.push(Buffer.from(OPTIONS.replace('Content-Length: 0', 'Content-Length: -1'))).map((e) => e.kind), ['fatal']);
    assert.deepEqual(bad.push(Buffer.from(OPTIONS)), [], 'a failed framer refuses more input');
    const endless = new StreamFramer();
    const events = endless.push(Buffer.from(`INVITE sip:a@h SIP/2.0\r\nX: ${'a'.repeat(20_000)}`));
    assert.equal(events[0]?.kind, 'fatal');
    const huge = new StreamFramer();
    assert.equal(huge.push(Buffer.alloc(MAX_SIP_STREAM_BUFFER_BYTES + 1, 0x41))[0]?.kind, 'fatal');
    const bigBody = new StreamFramer();
    assert.equal(bigBody.push(Buffer.from(OPTIONS.replace('Content-Length: 0', 'Content-Length: 1000000')))[0]?.kind, 'fatal');
  });

  test('a folded or compact Content-Length frames too', () => {
    const framer = new StreamFramer();
    const events = framer.push(Buffer.from(OPTIONS.replace('Content-Length: 0', 'l:\r\n 3') + 'abc'));
    assert.equal(events.length, 1);
    assert.ok(events[0]?.kind === 'message');
    assert.equal((parseMessage(events[0].bytes, { stream: true }) as SipRequest).body.toString(), 'abc');
  });
});
