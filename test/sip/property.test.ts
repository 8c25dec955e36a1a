// Property and fuzz tests of the parser: generated messages round-trip; random and mutated bytes never escape as anything but SipParseError.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatNameAddr, type NameAddr } from '../../src/sip/address.js';
import { SipParseError } from '../../src/sip/errors.js';
import { StreamFramer } from '../../src/sip/framer.js';
import { SipHeaders } from '../../src/sip/headers.js';
import { MAX_SIP_STREAM_BUFFER_BYTES } from '../../src/sip/limits.js';
import { fromOf, toOf, viasOf, type SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { serializeMessage } from '../../src/sip/serializer.js';
import { formatUri, type SipUri } from '../../src/sip/uri.js';
import { formatVia, type Via } from '../../src/sip/via.js';
import { loadTorture } from './torture/decode.js';

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
  fc.constantFrom('[::1]', '[2001:db8::7]'),
);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const paramName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const uriParams = fc.uniqueArray(fc.tuple(paramName, fc.option(fc.stringMatching(/^[A-Za-z0-9\-_.!~*'()]{1,10}$/), { nil: null })), { maxLength: 3, selector: ([n]) => n });
const headerParams = fc.uniqueArray(fc.tuple(paramName, fc.option(fc.oneof(token, fc.stringMatching(/^"[ !#-[\]-~]{0,10}"$/)), { nil: null })), { maxLength: 3, selector: ([n]) => n });

const sipUri: fc.Arbitrary<SipUri> = fc.record({
  scheme: fc.constantFrom('sip' as const, 'sips' as const),
  user: fc.option(fc.stringMatching(/^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-F]{2}){1,12}$/), { nil: undefined }),
  host,
  port,
  params: uriParams.map((p) => new Map(p)),
}).map((u) => {
  const uri: SipUri = { scheme: u.scheme, host: u.host, params: u.params, headers: [] };
  if (u.user !== undefined) uri.user = u.user;
  if (u.port !== undefined) uri.port = u.port;
  return uri;
});

const displayName = fc.option(fc.oneof(token, fc.stringMatching(/^[ -~]{1,16}$/)).filter((s) => s.trim() === s && !s.includes('  ')), { nil: undefined });
const nameAddr: fc.Arbitrary<NameAddr> = fc.record({ displayName, uri: sipUri, params: headerParams.map((p) => new Map(p)) }).map((a) => {
  const addr: NameAddr = { uri: a.uri, params: a.params };
  if (a.displayName !== undefined) addr.displayName = a.displayName;
  return addr;
});

const via: fc.Arbitrary<Via> = fc.record({ transport: fc.constantFrom('UDP', 'TCP', 'TLS'), host, port, branch: token }).map((v) => {
  const out: Via = { protocol: 'SIP', version: '2.0', transport: v.transport, host: v.host, params: new Map([['branch', `z9hG4bK${v.branch}`]]) };
  if (v.port !== undefined) out.port = v.port;
  return out;
});

const unknownHeader = fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,10}$/), fc.stringMatching(/^[!-~](?:[ -~]{0,30}[!-~])?$/));

const message: fc.Arbitrary<SipMessage> = fc
  .record({
    request: fc.boolean(),
    method: fc.constantFrom('INVITE', 'OPTIONS', 'REGISTER', 'BYE', 'MESSAGE'),
    status: fc.integer({ min: 100, max: 699 }),
    reason: fc.stringMatching(/^[ -~]{0,20}$/),
    uri: sipUri,
    vias: fc.array(via, { minLength: 1, maxLength: 3 }),
    from: nameAddr,
    to: nameAddr,
    callId: fc.tuple(token, fc.option(host, { nil: undefined })).map(([a, b]) => (b ? `${a}@${b}` : a)),
    seq: fc.nat(),
    contacts: fc.array(nameAddr, { maxLength: 3 }),
    unknown: fc.array(unknownHeader, { maxLength: 4 }),
    body: fc.uint8Array({ maxLength: 200 }),
  })
  .map((m) => {
    const headers = new SipHeaders();
    for (const v of m.vias) headers.append('Via', formatVia(v));
    headers.append('From', formatNameAddr(m.from)).append('To', formatNameAddr(m.to)).append('Call-ID', m.callId).append('CSeq', `${m.seq} ${m.method}`);
    for (const c of m.contacts) headers.append('Contact', formatNameAddr(c));
    for (const [n, v] of m.unknown) headers.append(n, v);
    headers.append('Content-Length', String(m.body.length));
    const body = Buffer.from(m.body);
    return m.request ? { type: 'request', method: m.method, uri: m.uri, headers, body } : { type: 'response', status: m.status, reason: m.reason.trim() === m.reason ? m.reason : 'OK', headers, body };
  });

function view(msg: SipMessage): unknown {
  return {
    start: msg.type === 'request' ? [msg.method, formatUri(msg.uri)] : [msg.status, msg.reason],
    headers: [...msg.headers].map((f) => [f.name, f.value]),
    body: msg.body.toString('hex'),
    vias: viasOf(msg).map(formatVia),
    from: formatNameAddr(fromOf(msg)),
    to: formatNameAddr(toOf(msg)),
  };
}

describe('round trip', () => {
  test('generated messages: serialize, parse (datagram and stream), equal', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const bytes = serializeMessage(msg);
        assert.deepEqual(view(parseMessage(bytes)), view(msg));
        assert.deepEqual(view(parseMessage(bytes, { stream: true })), view(msg));
      }),
      { numRuns: 500 },
    );
  });

  test('every valid torture message is stable after one normalization', () => {
    for (const [name, bytes] of loadTorture('valid')) {
      const once = parseMessage(bytes);
      const again = parseMessage(serializeMessage(once));
      assert.deepEqual(view(again), view(once), name);
    }
  });
});

function onlyParseErrors(bytes: Uint8Array): void {
  try {
    parseMessage(Buffer.from(bytes));
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
  }
}

const corpus = [...loadTorture('valid').values(), ...loadTorture('invalid').values(), ...loadTorture('semantic').values()];

const mutated = fc.tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.constantFrom('flip', 'cut', 'dup', 'insert', 'crlf'), fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 })).map(([base, edits]) => {
  let b = Buffer.from(base);
  for (const [kind, at, byte] of edits) {
    const i = b.length === 0 ? 0 : at % b.length;
    if (kind === 'flip') b[i] = byte;
    else if (kind === 'cut') b = b.subarray(0, i);
    else if (kind === 'dup') b = Buffer.concat([b.subarray(0, i), b.subarray(i, i + 40), b.subarray(i)]);
    else if (kind === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte, 0x2c, 0x3b, 0x22, 0x3c]), b.subarray(i)]);
    else b = Buffer.concat([b.subarray(0, i), Buffer.from('\r\n '), b.subarray(i)]);
  }
  return b;
});

describe('fuzz', () => {
  test('random bytes never throw anything but SipParseError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => onlyParseErrors(bytes)), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => onlyParseErrors(Buffer.from(`INVITE sip:a@b SIP/2.0\r\n${text}\r\n\r\n`))), { numRuns: 2000 });
  });

  test('mutated torture messages never throw anything but SipParseError', () => {
    fc.assert(fc.property(mutated, (bytes) => onlyParseErrors(bytes)), { numRuns: 4000 });
  });

  test('the stream framer holds at most its buffer bound whatever it is fed, and what it frames parses or fails cleanly', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutated, fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a))), { maxLength: 8 }), fc.nat(50), (chunks, cut) => {
        const framer = new StreamFramer();
        for (const chunk of chunks) {
          for (let i = 0; i < chunk.length; i += cut + 1) {
            for (const event of framer.push(chunk.subarray(i, i + cut + 1))) if (event.kind === 'message') onlyParseErrors(event.bytes);
            assert.ok(framer.bufferedBytes <= MAX_SIP_STREAM_BUFFER_BYTES);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
