// The SIP transport on real loopback sockets: UDP and TCP on one port, framing, connection reuse and bounds, idle timeouts, 400 for unreadable requests, TLS.

import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import selfsigned from 'selfsigned';
import { ManualClock } from '../../src/core/clock.js';
import { buildResponse } from '../../src/sip/builders.js';
import { MAX_SIP_STREAM_BUFFER_BYTES } from '../../src/sip/limits.js';
import { callIdOf, topVia, type SipMessage, type SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import type { Peer } from '../../src/sip/transaction.js';
import { SipTransport, type TransportOptions } from '../../src/sip/transport.js';
import { loadTorture } from './torture/decode.js';

const WAIT_MS = 5_000;

/** Resolves when `check` holds, polling on I/O turns; fails after WAIT_MS so a broken test cannot hang. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function options(text: string): string {
  return [`OPTIONS sip:100@127.0.0.1 SIP/2.0`, 'Via: SIP/2.0/UDP 192.0.2.9:5999;branch=z9hG4bK-t1;rport', 'From: <sip:a@127.0.0.1>;tag=1', 'To: <sip:100@127.0.0.1>', `Call-ID: ${text}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
}

const stops: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function server(extra: Partial<TransportOptions> = {}) {
  const clock = new ManualClock(0);
  const received: Array<{ msg: SipMessage; source: Peer }> = [];
  const errors: Error[] = [];
  const t = new SipTransport({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], clock, onMessage: (msg, source) => received.push({ msg, source }), onError: (e) => errors.push(e), ...extra });
  const ports = await t.start();
  stops.push(() => t.stop());
  return { t, clock, ports, received, errors };
}

async function udpClient(): Promise<{ socket: UdpSocket; got: Buffer[]; port: number }> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  stops.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { socket, got, port: socket.address().port };
}

async function tcpClient(port: number): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  let isClosed = false;
  socket.on('data', (d) => (text += d.toString()));
  socket.on('close', () => (isClosed = true));
  socket.on('error', () => {});
  await once(socket, 'connect');
  stops.push(() => void socket.destroy());
  return { socket, data: () => text, closed: () => isClosed };
}

describe('SIP transport', () => {
  test('UDP and TCP listen on one port', async () => {
    const { ports } = await server();
    assert.ok(ports.udp && ports.udp > 0);
    assert.equal(ports.udp, ports.tcp);
  });

  test('UDP: a request arrives with received and rport stamped; the response goes back to the source', async () => {
    const s = await server();
    const c = await udpClient();
    c.socket.send(options('udp-1'), s.ports.udp!, '127.0.0.1');
    await until(() => s.received.length === 1, 'the request');
    const { msg, source } = s.received[0]!;
    assert.deepEqual(source, { transport: 'UDP', host: '127.0.0.1', port: c.port });
    const via = topVia(msg);
    assert.equal(via.params.get('received'), '127.0.0.1');
    assert.equal(via.params.get('rport'), String(c.port));
    s.t.send(buildResponse(msg as SipRequest, 200, { toTag: 'x' }), source);
    await until(() => c.got.length === 1, 'the response');
    const res = parseMessage(c.got[0]!);
    assert.equal(res.type === 'response' && res.status, 200);
  });

  test('UDP: an unreadable request is answered 400 with a fixed reason; an unreadable response and a CRLF keep-alive are dropped', async () => {
    const s = await server();
    const c = await udpClient();
    c.socket.send(loadTorture('invalid').get('mismatch01')!, s.ports.udp!, '127.0.0.1');
    await until(() => c.got.length === 1, 'the 400');
    const res = parseMessage(c.got[0]!);
    assert.ok(res.type === 'response');
    assert.equal(res.status, 400);
    assert.equal(res.reason, 'Bad Request');
    assert.equal(res.headers.get('Call-ID'), 'mismatch01.dj0234sxdfl3');
    c.socket.send(loadTorture('invalid').get('bigcode')!, s.ports.udp!, '127.0.0.1');
    c.socket.send('\r\n\r\n', s.ports.udp!, '127.0.0.1');
    c.socket.send(options('after'), s.ports.udp!, '127.0.0.1');
    await until(() => s.received.length === 1, 'the valid request after them');
    assert.equal(c.got.length, 1, 'nothing answered the response or the keep-alive');
    assert.equal(s.errors.length, 2);
  });

  test('TCP: several messages per chunk and one message over chunks; the response reuses the connection; CRLFCRLF gets a CRLF pong', async () => {
    const s = await server();
    const c = await tcpClient(s.ports.tcp!);
    c.socket.write(options('tcp-1') + options('tcp-2'));
    const third = options('tcp-3');
    c.socket.write(third.slice(0, 40));
    await until(() => s.received.length === 2, 'two messages');
    c.socket.write(third.slice(40));
    await until(() => s.received.length === 3, 'the third');
    assert.deepEqual(s.received.map((r) => r.msg.headers.get('Call-ID')), ['tcp-1', 'tcp-2', 'tcp-3']);
    const { msg, source } = s.received[0]!;
    s.t.send(buildResponse(msg as SipRequest, 200), source);
    await until(() => c.data().includes('SIP/2.0 200 OK'), 'the response on the same connection');
    assert.equal(s.t.connectionCount, 1);
    const before = c.data().length;
    c.socket.write('\r\n\r\n');
    await until(() => c.data().length === before + 2, 'the pong');
    assert.equal(c.data().slice(before), '\r\n');
  });

  test('TCP: connections beyond the bound are closed at once', async () => {
    const s = await server({ maxConnections: 1 });
    const first = await tcpClient(s.ports.tcp!);
    await until(() => s.t.connectionCount === 1, 'the first connection');
    const second = await tcpClient(s.ports.tcp!);
    await until(() => second.closed(), 'the second to be closed');
    assert.equal(first.closed(), false);
  });

  test('TCP: an idle connection is closed after the idle time on the injected clock', async () => {
    const s = await server({ idleMs: 60_000 });
    const c = await tcpClient(s.ports.tcp!);
    await until(() => s.t.connectionCount === 1, 'the connection');
    s.clock.advance(59_999);
    c.socket.write(options('keeps-it-open'));
    await until(() => s.received.length === 1, 'traffic');
    s.clock.advance(59_999);
    assert.equal(c.closed(), false);
    s.clock.advance(1);
    await until(() => c.closed(), 'the idle close');
    await until(() => s.t.connectionCount === 0, 'the table to empty');
  });

  test('TCP: a peer that never ends its headers is cut off at the buffer bound', async () => {
    const s = await server();
    const c = await tcpClient(s.ports.tcp!);
    c.socket.write(`OPTIONS sip:a@h SIP/2.0\r\nX: ${'a'.repeat(MAX_SIP_STREAM_BUFFER_BYTES)}`);
    await until(() => c.closed(), 'the close');
    assert.ok(s.errors.length >= 1);
  });

  test('TCP: a request to another stack opens one connection, and its response comes back over it', async () => {
    const a = await server();
    const b = await server();
    const peer: Peer = { transport: 'TCP', host: '127.0.0.1', port: b.ports.tcp! };
    a.t.send(parseMessage(Buffer.from(options('a-to-b'))), peer);
    a.t.send(parseMessage(Buffer.from(options('a-to-b-2'))), peer);
    await until(() => b.received.length === 2, 'b to hear both');
    assert.equal(a.t.connectionCount, 1);
    b.t.send(buildResponse(b.received[0]!.msg as SipRequest, 200), b.received[0]!.source);
    await until(() => a.received.length === 1, 'a to hear the response');
    assert.equal(b.t.connectionCount, 1);
  });

  test('TLS with a given certificate and key', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
    const s = await server({ tls: { port: 0, cert: pems.cert, key: pems.private } });
    const socket = tlsConnect({ host: '127.0.0.1', port: s.ports.tls!, rejectUnauthorized: false });
    socket.on('error', () => {});
    stops.push(() => void socket.destroy());
    await once(socket, 'secureConnect');
    socket.write(options('tls-1'));
    await until(() => s.received.length === 1, 'the TLS request');
    assert.equal(s.received[0]!.source.transport, 'TLS');
  });

  test('outbound TLS verifies the peer by default: refused without its CA, accepted with it or with verifyPeer: false', async () => {
    const names = [{ type: 7 as const, ip: '127.0.0.1' }];
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'sip test peer' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: names }] });
    const peerServer = await server({ tls: { port: 0, cert: pems.cert, key: pems.private } });
    const peer: Peer = { transport: 'TLS', host: '127.0.0.1', port: peerServer.ports.tls! };
    const strict = await server();
    strict.t.send(parseMessage(Buffer.from(options('unverified'))), peer);
    await until(() => strict.errors.length > 0, 'the verification failure');
    assert.match(strict.errors[0]!.message, /self[- ]signed|unable to verify|certificate/i);
    const trusting = await server({ tlsClient: { ca: pems.cert } });
    trusting.t.send(parseMessage(Buffer.from(options('with-ca'))), peer);
    const unchecked = await server({ tlsClient: { verifyPeer: false } });
    unchecked.t.send(parseMessage(Buffer.from(options('unchecked'))), peer);
    await until(() => peerServer.received.length === 2, 'both verified and unchecked requests');
    assert.deepEqual(peerServer.received.map((r) => callIdOf(r.msg)).sort(), ['unchecked', 'with-ca']);
  });

  test('sending before start or over a full table throws', async () => {
    const t = new SipTransport({ host: '127.0.0.1', port: 0, transports: ['udp'], clock: new ManualClock(0), onMessage: () => {} });
    assert.throws(() => t.send(parseMessage(Buffer.from(options('x'))), { transport: 'UDP', host: '127.0.0.1', port: 9 }), /not running/);
    const s = await server({ maxConnections: 0 });
    assert.throws(() => s.t.send(parseMessage(Buffer.from(options('x'))), { transport: 'TCP', host: '127.0.0.1', port: 9 }), /limit/);
  });
});
