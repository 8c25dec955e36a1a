// `switchboard stream read|write`: a participant's audio over the Call Control API, raw PCM in real time, both ways.

import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { BYTES_PER_SECOND } from '../../media/format.js';
import { openInput, openOutput, requireBinaryStdout } from '../files.js';
import { callControlClient, parseCommand, parseId, stringFlag } from '../options.js';
import { UsageError } from '../usage-error.js';

export const STREAM_USAGE = `Usage: switchboard stream read DN PARTICIPANT [-o FILE] [--json]
       switchboard stream write DN PARTICIPANT [FILE|-] [--json]
  Audio is raw PCM: signed 16-bit little-endian, 8000 Hz, mono (16,000 bytes/s), no header.
  read: what the participant hears, in real time, to FILE or stdout, until it leaves or Ctrl+C.
  write: the participant speaks FILE (or stdin), sent as it is (a WAV header plays as a click);
  ends with the server's answer once the audio has played, or when the participant leaves.`;

export async function stream(argv: string[]): Promise<number> {
  const { values, positionals, settings } = parseCommand(argv, { output: { type: 'string', short: 'o' } }, ['read|write', 'DN', 'PARTICIPANT'], ['FILE']);
  const [direction, dn, participant, file] = positionals as [string, string, string, string | undefined];
  if (direction !== 'read' && direction !== 'write') throw new UsageError(`stream takes read or write, got '${direction}'`);
  const id = parseId(participant, 'PARTICIPANT');
  const output = stringFlag(values, 'output');
  if (direction === 'write') {
    if (output !== undefined) throw new UsageError('-o goes with stream read');
    const client = callControlClient(settings);
    const input = await openInput(file ?? '-');
    await client.accessToken(); // an unreachable server or refused credentials end the command here, in one line
    // stderr, like read's line: the upload starts now and lasts as long as the audio plays.
    console.error(`Sending ${file === undefined || file === '-' ? 'stdin' : file} to participant ${id} on ${dn} at real time`);
    const result = await client.writeStream(dn, id, input);
    console.log(settings.json ? JSON.stringify(result) : `participant ${id} on ${dn}: ${result.reasontext}`);
    return 0;
  }
  if (file !== undefined) throw new UsageError(`unexpected argument '${file}' (stream read writes to -o FILE)`);
  const client = callControlClient(settings);
  if (output === undefined) requireBinaryStdout();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let audio: Readable;
    try {
      audio = await client.readStream(dn, id, { signal: stop.signal });
    } catch (error) {
      if (stop.signal.aborted) return 0;
      throw error;
    }
    let target: Writable = process.stdout;
    if (output !== undefined) {
      try {
        target = await openOutput(output);
      } catch (error) {
        audio.destroy();
        throw error;
      }
    }
    // stderr, so that stdout can carry the audio; tests wait for it before playing anything.
    console.error(`Listening to participant ${id} on ${dn} until it leaves (Ctrl+C to stop)`);
    let bytes = 0;
    try {
      for await (const chunk of audio as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (!target.write(chunk)) await once(target, 'drain');
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error; // Ctrl+C aborts the request: what arrived is kept
    }
    if (output !== undefined) {
      target.end();
      await once(target, 'finish');
      const seconds = (bytes / BYTES_PER_SECOND).toFixed(2);
      console.log(settings.json ? JSON.stringify({ dn, participant: id, file: output, bytes }) : `wrote ${seconds} s of what participant ${id} heard to ${output} (${bytes} bytes)`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
