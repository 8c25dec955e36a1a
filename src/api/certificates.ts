// TLS material for the API origin: the configured certificate, or a self-signed one generated once and kept in the data folder.

import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import type { TlsConfig } from '../config/types.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** The file clients should trust (NODE_EXTRA_CA_CERTS): the self-signed certificate; null for a configured one. */
  caFile: string | null;
}

/** Names every self-signed certificate covers; configured names are added to these. */
export const DEFAULT_CERTIFICATE_NAMES = ['localhost', '127.0.0.1', '::1'];
/** A kept self-signed certificate closer than this to expiry is replaced at start. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const VALIDITY_DAYS = 397;

/**
 * Reads the configured certificate and key, or loads the self-signed certificate kept in `<dataDir>/tls/`,
 * generating a new one when there is none, it is about to expire, or it does not cover every name.
 */
export async function loadTlsMaterial(tls: TlsConfig, dataDir: string): Promise<TlsMaterial> {
  if (tls.cert !== null && tls.key !== null) {
    return { cert: await readFile(tls.cert, 'utf8'), key: await readFile(tls.key, 'utf8'), caFile: null };
  }
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const names = [...new Set([...DEFAULT_CERTIFICATE_NAMES, ...tls.names])];
  const kept = await readKept(certFile, keyFile);
  if (kept && covers(kept.cert, names)) return { ...kept, caFile: certFile };

  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * 24 * 3600 * 1000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'Switchboard (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, caFile: certFile };
}

async function readKept(certFile: string, keyFile: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

/** True when the certificate is valid for a while yet and names every host in `names`. */
function covers(pem: string, names: string[]): boolean {
  try {
    const certificate = new X509Certificate(pem);
    if (Date.parse(certificate.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    return names.every((name) => (isIP(name) ? certificate.checkIP(name) !== undefined : certificate.checkHost(name) !== undefined));
  } catch {
    return false;
  }
}
