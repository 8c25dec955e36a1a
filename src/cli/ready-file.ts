// The --ready-file of serve and events: written whole or not at all, so a waiter that sees the file reads the URL.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Writes `url` and a newline to `path` atomically: into a sibling temporary file, then renamed over `path`. A plain
 * write creates the file empty before its bytes arrive, and a waiter polling for the file could read nothing.
 */
export function writeReadyFile(path: string, url: string): void {
  const target = resolve(path);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, `${url}\n`);
  renameSync(temporary, target);
}

/** Removes the ready file (a later wait must not find it); no error when it is already gone. */
export function removeReadyFile(path: string): void {
  rmSync(resolve(path), { force: true });
}
