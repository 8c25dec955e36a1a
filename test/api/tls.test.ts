// TLS on the API origin: HTTPS and WSS on the same port as HTTP, a kept self-signed certificate, configured certificates.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { demoConfig } from '../../src/config/demo.js';
import { normalizeConfig } from '../../src/config/load.js';
import type { PbxConfig } from '../../src/config/types.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { STUCK_MS } from '../helpers/cli.js';

const SECRET = 'tls-test-secret';

function config(dataDir: string, change?: (c: PbxConfig) => void): PbxConfig {
  const c = demoConfig({ demoSecret: SECRET });
  c.server.dataDir = dataDir;
  change?.(c);
  return c;
}

/** An HTTPS request trusting only `ca`. */
function https(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: options.method ?? 'GET', headers: options.headers, ca }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('TLS with a self-signed certificate', () => {
  let dataDir: string;
  let server: RunningServer;
  let ca: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
    server = await startServer({ config: config(dataDir, (c) => (c.server.tls.names = ['pbx.test'])), host: '127.0.0.1', port: 0 });
    ca = readFileSync(server.caFile!, 'utf8');
  });
  after(async () => {
    await server.close();
  });

  test('the certificate is generated in the data folder and covers localhost, 127.0.0.1, ::1 and configured names', () => {
    assert.equal(server.caFile, join(dataDir, 'tls', 'cert.pem'));
    const certificate = new X509Certificate(ca);
    for (const host of ['localhost', 'pbx.test']) assert.ok(certificate.checkHost(host), host);
    for (const ip of ['127.0.0.1', '::1']) assert.ok(certificate.checkIP(ip), ip);
    assert.match(server.secureUrl!, /^https:\/\/localhost:\d+$/);
  });

  test('HTTPS and plain HTTP are both served on the same port', async () => {
    const secure = await https(`${server.secureUrl}/healthz`, ca);
    assert.deepEqual([secure.status, JSON.parse(secure.body)], [200, { status: 'ok' }]);
    const plain = await fetch(`${server.url}/healthz`);
    assert.equal(plain.status, 200);
  });

  test('a token over HTTPS, then the vendor pattern: an http:// base URL with a hard-coded wss:// event socket', async () => {
    const token = await https(`${server.secureUrl}/connect/token`, ca, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: '800', client_secret: SECRET, grant_type: 'client_credentials' }).toString(),
    });
    assert.equal(token.status, 200);
    const accessToken = (JSON.parse(token.body) as { access_token: string }).access_token;
    const base = new URL(server.url); // http://127.0.0.1:port
    const socket = new WebSocket(`wss://localhost:${base.port}/callcontrol/ws`, { headers: { authorization: `Bearer ${accessToken}` }, ca });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const frame = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
    server.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    assert.match(await frame, /"event_type":0,"entity":"\/callcontrol\/800\/participants\/\d+"/);
    socket.close();
    server.pbx.endAllCalls();
  });

  test('a separate program trusting only NODE_EXTRA_CA_CERTS=<the printed CA file> connects over HTTPS and WSS', async () => {
    const port = new URL(server.url).port;
    const script = `
      const { default: WebSocket } = await import(${JSON.stringify(import.meta.resolve('ws'))});
      const r = await fetch('https://localhost:${port}/healthz');
      const ws = new WebSocket('wss://localhost:${port}/callcontrol/ws');
      ws.on('unexpected-response', (_q, res) => { console.log('https', r.status, 'wss', res.statusCode); process.exit(0); });
      ws.on('error', (e) => { console.log('error', e.message); process.exit(1); });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caFile! }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), STUCK_MS);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    // The TLS handshake succeeded both times: HTTP 200, and the WebSocket upgrade reached authentication (401, no token).
    assert.equal(out.trim(), 'https 200 wss 401', out);
    assert.equal(code, 0);
  });

  test('a client that connects and sends nothing does not break the listener', async () => {
    const { connect } = await import('node:net');
    const idle = connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    idle.destroy();
  });

  test('the kept certificate is reused at the next start', async () => {
    const again = await startServer({ config: config(dataDir, (c) => (c.server.tls.names = ['pbx.test'])), host: '127.0.0.1', port: 0 });
    try {
      assert.equal(readFileSync(again.caFile!, 'utf8'), ca);
    } finally {
      await again.close();
    }
  });
});

describe('TLS configuration', () => {
  test('a configured certificate and key are served as given (no CA file to print)', async () => {
    const generated = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
    const first = await startServer({ config: config(generated), host: '127.0.0.1', port: 0 });
    await first.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
    const server = await startServer({
      config: config(dataDir, (c) => {
        c.server.tls.cert = join(generated, 'tls', 'cert.pem');
        c.server.tls.key = join(generated, 'tls', 'key.pem');
      }),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      assert.equal(server.caFile, null);
      const response = await https(`${server.secureUrl}/healthz`, readFileSync(join(generated, 'tls', 'cert.pem'), 'utf8'));
      assert.equal(response.status, 200);
    } finally {
      await server.close();
    }
  });

  test('TLS can be turned off: plain HTTP only, and no certificate is made', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
    const server = await startServer({ config: config(dataDir, (c) => (c.server.tls.enabled = false)), host: '127.0.0.1', port: 0 });
    try {
      assert.deepEqual([server.secureUrl, server.caFile], [null, null]);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      await assert.rejects(https(`https://localhost:${new URL(server.url).port}/healthz`, 'unused'));
    } finally {
      await server.close();
    }
  });

  test('cert without key (or key without cert) is a configuration problem', () => {
    assert.throws(() => normalizeConfig({ server: { tls: { cert: 'cert.pem' } } }, 'pbx.yaml', '/tmp'), /server\.tls\.key: cert and key go together/);
    assert.throws(() => normalizeConfig({ server: { tls: { key: 'key.pem' } } }, 'pbx.yaml', '/tmp'), /server\.tls\.cert: cert and key go together/);
  });
});
