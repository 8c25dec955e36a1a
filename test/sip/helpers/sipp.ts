// Runs SIPp headless on 127.0.0.1 for one bounded call (-m 1, 10 s timeout, a SIGKILL backstop).

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
