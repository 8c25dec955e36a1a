// Runs SIPp headless on 127.0.0.1 for one bounded call (-m 1, a bounded timeout, a SIGKILL backstop), as a client or as a server.

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/root.js';

export const SIPP = '/usr/bin/sipp';
const SCENARIOS = join(ROOT, 'test/sip/sipp/');

/** Skip reason when SIPp is missing locally; under CI=true a missing tool fails instead (the test runs and cannot spawn it). */
export const SIPP_SKIP = !existsSync(SIPP) && process.env.CI !== 'true' ? 'sipp is not installed (install sip-tester)' : false;
if (SIPP_SKIP) console.warn(`SKIPPING SIPp tests: ${SIPP_SKIP}`);

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Runs one bounded SIPp call and resolves with its exit status and output. `localPort` fixes the contact's port. */
export async function sipp(target: string, scenario: string, extra: string[], localPort?: number): Promise<{ code: number | null; output: string }> {
  const args = [target, '-sf', join(SCENARIOS, scenario), '-m', '1', '-timeout', '10s', '-timeout_error', '-nostdin', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(localPort ?? (await freeUdpPort())), ...extra];
  const child = spawn(SIPP, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  // SIPp's own -timeout ends it; this is the backstop if it hangs anyway.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      output += String(error);
      resolve(null);
    });
    child.on('exit', (c) => resolve(c));
  });
  clearTimeout(killer);
  return { code, output };
}

/**
 * Starts SIPp as a server (UAS) on 127.0.0.1:`port` for one bounded call; `done` resolves with its exit status and
 * output. Resolves once SIPp has had time to print its start (the peer retransmits over UDP anyway).
 */
export function sippServer(scenario: string, port: number, timeoutSeconds: number): { done: Promise<{ code: number | null; output: string }>; kill(): void } {
  const args = ['-sf', join(SCENARIOS, scenario), '-m', '1', '-timeout', `${timeoutSeconds}s`, '-timeout_error', '-nostdin', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(port)];
  const child = spawn(SIPP, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 10) * 1000);
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('error', (error) => {
      output += String(error);
      resolve({ code: null, output });
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}
