// `sequence` keeps increasing across server restarts: a mark in the data folder, reserved ahead of the numbers used.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { PersistentSequence, SEQUENCE_FILE, SEQUENCE_RESERVE } from '../../../src/api/ws/sequence.js';
import { MirrorClient, startWsServer } from '../../helpers/ws.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sequence-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function take(source: PersistentSequence, count: number): number[] {
  return Array.from({ length: count }, () => {
    const next = source.next();
    assert.ok(next !== undefined, 'a number was refused');
    return next;
  });
}

describe('PersistentSequence', () => {
  test('a fresh data folder numbers from 1; the mark is one block ahead before any number is used', (t) => {
    const dir = tempDir(t);
    const source = PersistentSequence.open(dir);
    assert.equal(readFileSync(join(dir, SEQUENCE_FILE), 'utf8'), `${SEQUENCE_RESERVE}\n`);
    assert.deepEqual(take(source, 3), [1, 2, 3]);
  });

  test('after a restart (or a crash: nothing is written at stop) numbering goes on above every number used', (t) => {
    const dir = tempDir(t);
    const before = take(PersistentSequence.open(dir), 5);
    const after = take(PersistentSequence.open(dir), 2);
    assert.ok(after[0]! > before.at(-1)!, `${after[0]} after ${before.at(-1)}`);
    assert.deepEqual(after, [SEQUENCE_RESERVE + 1, SEQUENCE_RESERVE + 2]);
  });

  test('crossing a block moves the mark before the numbers above the old one are used', (t) => {
    const dir = tempDir(t);
    const source = PersistentSequence.open(dir);
    const used = take(source, SEQUENCE_RESERVE + 3);
    assert.equal(used.at(-1), SEQUENCE_RESERVE + 3);
    const mark = Number(readFileSync(join(dir, SEQUENCE_FILE), 'utf8'));
    assert.equal(mark, 2 * SEQUENCE_RESERVE);
    assert.ok(PersistentSequence.open(dir).next()! > used.at(-1)!);
  });

  test('a file that does not hold a mark is refused with what to do, never silently reset', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, SEQUENCE_FILE), 'not a number');
    assert.throws(() => PersistentSequence.open(dir), /does not hold a sequence mark \('not a number'\): delete it/);
  });
});

test('event frames keep increasing across a server restart with the same data folder', async (t) => {
  const dataDir = tempDir(t);
  const sequences: number[] = [];
  for (let run = 0; run < 2; run++) {
    const ws = await startWsServer((config) => {
      config.server.dataDir = dataDir;
    });
    const client = await MirrorClient.connect(ws, { mirror: false });
    ws.server.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    await client.waitFrames(2);
    sequences.push(...client.frames.map((f) => f.sequence));
    client.close();
    await ws.close();
  }
  for (let i = 1; i < sequences.length; i++) assert.ok(sequences[i]! > sequences[i - 1]!, `sequence ${sequences[i]} after ${sequences[i - 1]}: ${sequences.join(', ')}`);
  assert.equal(sequences[0], 1, 'a new data folder starts at 1');
});
