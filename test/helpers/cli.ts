// Runs the `switchboard` command as a real process for tests: in a temp folder, with a clean environment, bounded by a kill guard.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const TSX = import.meta.resolve('tsx');
/** Nothing from the developer's shell may change what the command does. */
const CLEAN_ENV = {
  SWITCHBOARD_CONFIG: '',
  SWITCHBOARD_PORT: '',
  SWITCHBOARD_HOST: '',
  SWITCHBOARD_URL: '',
  SWITCHBOARD_CLIENT_ID: '',
  SWITCHBOARD_CLIENT_SECRET: '',
  SWITCHBOARD_DEMO_SECRET: '',
  SWITCHBOARD_ADMIN_KEY: '',
  SWITCHBOARD_SIP_HOST: '127.0.0.1',
  // A free port: servers started side by side must not fight over 5060.
  SWITCHBOARD_SIP_PORT: '0',
  SWITCHBOARD_DEMO_SIP_PASSWORD: '',
};

export interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once `pattern` appears on `stream`; rejects if the process exits first or after 20 s. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the CLI in a temp folder (the demo keeps its data folder in the working directory, never the repository).
 * With `stdin: true` the test writes the command's standard input (`child.stdin`); otherwise it has none.
 */
export function startCli(args: string[], env: Record<string, string> = {}, options: { stdin?: boolean } = {}): Cli {
  const cwd = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd,
    env: { ...process.env, ...CLEAN_ENV, ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((w) => w());
  child.stdout!.on('data', (chunk: Buffer) => {
    text.stdout += chunk.toString();
    wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    text.stderr += chunk.toString();
    wake();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      wake();
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor(pattern, stream = 'stdout') {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => check(true), 20_000);
        const check = (timedOut = false) => {
          const match = pattern.exec(text[stream]);
          if (match) resolve(match);
          else if (timedOut || child.exitCode !== null || child.signalCode !== null) reject(new Error(`no ${pattern} on ${stream}: ${text.stdout}${text.stderr}`));
          else return;
          clearTimeout(timer);
          wakers.delete(check);
        };
        wakers.add(check);
        check();
      });
    },
  };
}
