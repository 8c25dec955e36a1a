// Expands the RFC 4475 §2 notation of the torture files into the exact bytes on the wire.
//
// The files hold each message as the RFC prints it: lines end in CRLF on the wire, <allOneLine> joins the lines
// it encloses, <hex>..</hex> stands for raw octets and <repeat count=N>..</repeat> for a repeated string.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/root.js';

export function decodeTorture(text: string): Buffer {
  const joined = text.replace(/<allOneLine>\n([\s\S]*?)\n<\/allOneLine>\n?/g, (_m, inner: string) => `${inner.replace(/\n/g, '')}\n`);
  const repeated = joined.replace(/<repeat count=(\d+)>([\s\S]*?)<\/repeat>/g, (_m, count: string, inner: string) => inner.repeat(Number(count)));
  const crlf = repeated.replace(/\n/g, '\r\n');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of crlf.matchAll(/<hex>([0-9A-Fa-f]*)<\/hex>/g)) {
    parts.push(Buffer.from(crlf.slice(last, m.index), 'utf8'), Buffer.from(m[1] ?? '', 'hex'));
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(Buffer.from(crlf.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

const FIXTURES = join(ROOT, 'test/sip/torture');

/** Every message of one folder (valid, invalid, semantic), by name. */
export function loadTorture(folder: 'valid' | 'invalid' | 'semantic'): Map<string, Buffer> {
  const dir = join(FIXTURES, folder);
  const out = new Map<string, Buffer>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    out.set(file.replace(/\.txt$/, ''), decodeTorture(readFileSync(join(dir, file), 'utf8')));
  }
  return out;
}
