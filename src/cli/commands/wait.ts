// `switchboard wait`: blocks until the server at the configured URL answers /healthz (and a ready file exists), so
// that a script can start `serve` in the background and go on only once it listens.

import { existsSync } from 'node:fs';
import { parseCommand, parseNumber, stringFlag } from '../options.js';
import { UsageError } from '../settings.js';

export const WAIT_USAGE = `Usage: switchboard wait [--timeout SECONDS] [--file PATH]
  Waits until the server at --url answers GET /healthz (default: up to 30 s), and with --file until PATH exists
  (what serve --ready-file or events --ready-file write). Exits 0 when ready, 1 when the time is up.`;

const DEFAULT_TIMEOUT_S = 30;
/** Between two attempts: short, as a server starting locally takes about a second. */
const RETRY_MS = 100;

/** Whether GET /healthz answers 200 now; any failure to connect counts as not yet. */
async function healthy(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function wait(argv: string[]): Promise<number> {
  const { values, settings } = parseCommand(argv, { timeout: { type: 'string' }, file: { type: 'string' } }, []);
  const timeoutS = values.timeout === undefined ? DEFAULT_TIMEOUT_S : parseNumber(String(values.timeout), '--timeout');
  if (timeoutS <= 0 || timeoutS > 86_400) throw new UsageError(`--timeout must be more than 0 and at most 86400 seconds, got '${String(values.timeout)}'`);
  const file = stringFlag(values, 'file');
  const deadline = AbortSignal.timeout(timeoutS * 1000);
  for (;;) {
    if ((file === undefined || existsSync(file)) && (await healthy(settings.url, deadline))) {
      if (!settings.json) console.error(`${settings.url} is ready`);
      return 0;
    }
    if (deadline.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  const what = file === undefined ? `${settings.url} did not answer` : `${settings.url} did not answer or ${file} did not appear`;
  console.error(`switchboard: ${what} within ${timeoutS} s`);
  return 1;
}
