// Client WebSocket protocol errors are one warning line each, rate-limited: a token holder cannot flood the error log.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import WebSocket from 'ws';
import { listen } from '../../src/api/listener.js';
import { CLIENT_ERROR_WARNINGS_PER_WINDOW, MAX_WS_MESSAGE_BYTES } from '../../src/limits.js';
import { createTestApp } from '../helpers/api.js';

/** Raw frames a conforming client never sends: a reserved opcode, an unmasked frame, bad UTF-8, an oversized length. */
const BAD_FRAMES = [
  Buffer.from([0x83, 0x80, 1, 2, 3, 4]),
  Buffer.from([0x81, 0x02, 0x68, 0x69]),
  Buffer.concat([Buffer.from([0x81, 0x82, 0, 0, 0, 0]), Buffer.from([0xc3, 0x28])]),
  Buffer.concat([Buffer.from([0x82, 0xff]), Buffer.alloc(8), Buffer.from([0, 0, 0, 0])]),
];

test('bad masks, opcodes, UTF-8 and oversized frames are logged as rate-limited one-line warnings, never errors', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const api = await createTestApp(t, { app: { log: { level: 'info', destination } } });
  const token = await api.token();
  const listener = await listen(api.app, { host: '127.0.0.1', port: 0, tls: null });
  t.after(() => listener.close());
  const url = `ws://127.0.0.1:${listener.address().port}/callcontrol/ws`;
  // The oversized frame announces 2^48 bytes: far beyond MAX_WS_MESSAGE_BYTES.
  BAD_FRAMES[3]!.writeUIntBE(2 ** 48 - 1, 2 + 2, 6);
  assert.ok(2 ** 48 > MAX_WS_MESSAGE_BYTES);
  const attempts = CLIENT_ERROR_WARNINGS_PER_WINDOW * 3;
  const codes: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => socket.once('close', (code) => (codes.push(code), resolve())));
    socket.on('error', () => {});
    (socket as unknown as { _socket: { write(data: Buffer): void } })._socket.write(BAD_FRAMES[i % BAD_FRAMES.length]!);
    await closed;
  }
  assert.equal(codes.length, attempts, 'every bad client was closed');
  const errors = lines.filter((line) => (line['level'] as number) >= 50);
  assert.deepEqual(errors, [], 'protocol errors were logged as errors');
  const warnings = lines.filter((line) => line['kind'] === 'websocket-client-error');
  assert.equal(warnings.length, CLIENT_ERROR_WARNINGS_PER_WINDOW, `${warnings.length} warning lines for ${attempts} bad clients`);
  for (const warning of warnings) {
    assert.equal(warning['level'], 40);
    assert.match(String(warning['code']), /^WS_ERR_/);
    assert.ok(!JSON.stringify(warning).includes('    at '), 'a stack was logged');
  }
  const seen = new Set(warnings.map((warning) => warning['code']));
  assert.ok(seen.size >= 3, `codes logged: ${[...seen].join(', ')}`);
});
