// Reads and writes the SIP bindings kept in the data folder (sip-bindings.json), atomically, so a restart keeps registered phones.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binding } from '../../sip/registrar.js';

export const BINDINGS_FILE = 'sip-bindings.json';

/** One stored binding: the registrar's binding and the extension it made a device of. */
export interface StoredBinding extends Binding {
  extension: string;
}

/** The bindings saved in `dataDir`, or none when the file is missing or unreadable (a damaged file must not stop the server). */
export function readBindings(dataDir: string, onProblem: (message: string) => void): StoredBinding[] {
  let text: string;
  try {
    text = readFileSync(join(dataDir, BINDINGS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onProblem(`cannot read ${BINDINGS_FILE}: ${(error as Error).message}`);
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const list = typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { bindings?: unknown }).bindings) ? (parsed as { bindings: unknown[] }).bindings : [];
    return list.filter(isStoredBinding);
  } catch {
    onProblem(`${BINDINGS_FILE} is not valid JSON; starting with no SIP registrations`);
    return [];
  }
}

/** Writes the file through a temporary one and a rename, so a crash leaves the old file or the new one, never half of one. */
export function writeBindings(dataDir: string, bindings: StoredBinding[]): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, BINDINGS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ bindings }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

function isStoredBinding(value: unknown): value is StoredBinding {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Record<string, unknown>;
  const source = b['source'] as Record<string, unknown> | undefined;
  return (
    typeof b['extension'] === 'string' &&
    typeof b['aor'] === 'string' &&
    typeof b['contact'] === 'string' &&
    typeof b['expiresAtMs'] === 'number' &&
    typeof b['callId'] === 'string' &&
    typeof b['cseq'] === 'number' &&
    (b['userAgent'] === undefined || typeof b['userAgent'] === 'string') &&
    typeof source === 'object' &&
    source !== null &&
    ['UDP', 'TCP', 'TLS'].includes(source['transport'] as string) &&
    typeof source['host'] === 'string' &&
    typeof source['port'] === 'number'
  );
}
