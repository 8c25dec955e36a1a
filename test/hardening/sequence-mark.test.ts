// A failed write of the event-sequence mark (a full disk) loses no event, never numbers past the mark, and is reported.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { CLOSE_NUMBERING_UNAVAILABLE, EventHub, type EventSocket } from '../../src/api/ws/hub.js';
import { PersistentSequence, SEQUENCE_FILE, SEQUENCE_RESERVE, SEQUENCE_RETRY_EVERY_NUMBERS } from '../../src/api/ws/sequence.js';
import { createTestApp } from '../helpers/api.js';
import { startPbx } from '../helpers/pbx.js';

class FakeSocket implements EventSocket {
  sequences: number[] = [];
  bufferedAmount = 0;
  closedWith: number | undefined;
  send(data: string) {
    this.sequences.push((JSON.parse(data) as { sequence: number }).sequence);
  }
  close(code: number) {
    this.closedWith = code;
  }
  terminate() {}
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-mark-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Makes the next writes of the mark fail as on a full disk: the temporary file's name is taken by a folder. */
function breakDisk(dir: string): () => void {
  const blocker = join(dir, `${SEQUENCE_FILE}.tmp`);
  mkdirSync(blocker);
  return () => rmSync(blocker, { recursive: true });
}

function mark(dir: string): number {
  return Number(readFileSync(join(dir, SEQUENCE_FILE), 'utf8'));
}

const APP = { clientId: '800', secret: 'x'.repeat(8), monitor: ['100'] };

test('while the mark cannot be written, events are still delivered below it; past it, sockets close with 1011, never a number above the mark', (t) => {
  const dir = tempDir(t);
  const sequence = PersistentSequence.open(dir);
  const errors: Error[] = [];
  sequence.reportErrorsTo((error) => errors.push(error));
  const pbx = startPbx();
  const hub = new EventHub(pbx.pbx, { maxBufferedBytes: 1 << 20, sequence });
  const socket = new FakeSocket();
  hub.add(APP, socket, 'token');
  const repair = breakDisk(dir);

  // Half a block in, the next block is asked for and the write fails: the event is delivered all the same.
  for (let i = 0; i < SEQUENCE_RESERVE / 2; i++) sequence.next();
  pbx.pbx.makeCall({ dn: '100', destination: '800' });
  assert.ok(socket.sequences.length > 0, 'the events after the failed write were delivered');
  assert.ok(errors.length >= 1, 'the failure was reported');
  assert.equal(sequence.health().markWritable, false);
  const written = mark(dir);
  assert.equal(written, SEQUENCE_RESERVE);

  // Use up the numbers below the mark: no frame is ever numbered above it; the socket is closed instead.
  while (sequence.health().headroom > 1) sequence.next();
  for (let i = 0; i < 5 && socket.closedWith === undefined; i++) pbx.pbx.makeCall({ dn: '100', destination: '800' });
  assert.ok(Math.max(...socket.sequences) <= written, `a frame was numbered ${Math.max(...socket.sequences)}, above the mark ${written}`);
  assert.equal(socket.closedWith, CLOSE_NUMBERING_UNAVAILABLE);

  // Once the disk is writable again, a retry moves the mark and numbering goes on above every number used.
  repair();
  const again = new FakeSocket();
  hub.add(APP, again, 'token');
  // Retries come every SEQUENCE_RETRY_EVERY_NUMBERS numbers asked for (or each second).
  for (let i = 0; i < SEQUENCE_RETRY_EVERY_NUMBERS && !sequence.health().markWritable; i++) sequence.next();
  assert.equal(sequence.health().markWritable, true, 'a retry wrote the mark');
  pbx.pbx.endAllCalls();
  assert.ok(again.sequences.length > 0, 'events flow again after the disk is repaired');
  assert.ok(again.sequences[0]! > Math.max(...socket.sequences));
  assert.ok(mark(dir) > again.sequences.at(-1)!, 'the new numbers are below the new mark');
  assert.equal(sequence.health().markWritable, true);
});

test('a failed mark write is logged as a structured error and shown in /healthz and /metrics', async (t) => {
  const dir = tempDir(t);
  const sequence = PersistentSequence.open(dir, { reserve: 10 });
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const api = await createTestApp(t, { app: { log: { level: 'info', destination }, sequence } });
  assert.deepEqual((await api.get('/healthz', { token: false })).json, { status: 'ok' });
  breakDisk(dir);
  for (let i = 0; i < 6; i++) sequence.next();
  const health = await api.get('/healthz', { token: false });
  assert.equal(health.status, 200);
  const body = health.json as { status: string; problems: string[] };
  assert.equal(body.status, 'degraded');
  assert.match(body.problems[0]!, /event sequence mark cannot be written \(EISDIR/);
  const metrics = (await api.get('/metrics', { token: false })).text;
  assert.match(metrics, /^switchboard_event_sequence_mark_writable 0$/m);
  assert.match(metrics, /^switchboard_event_sequence_mark_failures_total 1$/m);
  assert.match(metrics, /^switchboard_event_sequence_headroom 4$/m);
  const logged = lines.find((line) => line['component'] === 'event-sequence');
  assert.ok(logged, 'an error line was logged');
  assert.equal(logged['level'], 50);
  assert.match(String((logged['err'] as { code?: string }).code), /EISDIR/);
});
