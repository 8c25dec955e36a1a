// Audio files of the CLI: read a file or stdin, write a file or stdout, and one clear line when a file cannot be used.

import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from './usage-error.js';

/** A file could not be read or written: `switchboard: cannot read in.wav: no such file or directory`, exit 1. */
export class FileError extends Error {}

// Node's fs messages are `ENOENT: no such file or directory, open 'x'`: keep the middle.
function fileProblem(action: 'read' | 'write', file: string, error: unknown): unknown {
  if (!(error instanceof Error && 'code' in error)) return error;
  const reason = /^[A-Z0-9_]+: ([^,]+)/.exec(error.message)?.[1] ?? error.message;
  return new FileError(`cannot ${action} ${file}: ${reason}`, { cause: error });
}

/** `file` opened for reading, or stdin for `-`. */
export async function openInput(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  const stream = createReadStream(file);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw fileProblem('read', file, error);
  }
  return stream;
}

/** The whole of `file`, or of stdin for `-`. */
export async function readInput(file: string): Promise<Buffer> {
  const input = await openInput(file);
  try {
    return Buffer.concat(await input.toArray());
  } catch (error) {
    throw fileProblem('read', file, error);
  }
}

/** Binary output goes to a file, or to stdout when that is not a terminal (a terminal would show garbage). */
export function requireBinaryStdout(): void {
  if (process.stdout.isTTY) throw new UsageError('stdout is a terminal: pass -o FILE, or redirect the output');
}

export async function writeOutput(file: string, data: Uint8Array): Promise<void> {
  try {
    await writeFile(file, data);
  } catch (error) {
    throw fileProblem('write', file, error);
  }
}

/** A file opened for writing (created or truncated) once it is known to be writable. */
export async function openOutput(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw fileProblem('write', file, error);
  }
  return stream;
}
