// Runs the built `switchboard` command (dist/src/cli/main.js) as a real process for tests: in a temp folder, with a
// clean environment, no more at once than the test file's share of the cores, each wait bounded only to catch a stuck test.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './root.js';

/** The built command: what `npm start` and an installed package run (scripts/run-tests.mjs builds it when stale). */
export const CLI = join(ROOT, 'dist/src/cli/main.js');
/**
 * How long a wait for output or for the exit may take before the test fails as stuck. Not a measure of speed: a
 * command that works answers in about a second even on a loaded machine; only a hung one reaches this.
 */
export const STUCK_MS = 120_000;
/** Nothing from the developer's shell may change what the command does. */
export const CLEAN_ENV = {
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

/** A counting semaphore: the child processes of this test file that may run at once. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(count: number) {
    this.free = count;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const fromRunner = Number(process.env.SWITCHBOARD_TEST_CHILD_SLOTS);
/** scripts/run-tests.mjs shares the cores out between the test files it runs at once; alone, a file has them all. */
export const CHILD_SLOTS = Number.isInteger(fromRunner) && fromRunner > 0 ? fromRunner : Math.max(1, availableParallelism());
const slots = new Slots(CHILD_SLOTS);

/** Children still running when the test process ends are killed, so a failed test leaves nothing behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/**
 * Runs a process under the shared slots: waits for a free slot, spawns, gives the slot back when it exits. For the
 * tests' other child processes (shell scripts, a second server) so that they count against the same cap.
 */
export async function spawnCounted(command: string, args: string[], options: Parameters<typeof spawn>[2]): Promise<ChildProcess> {
  await slots.take();
  const child = spawn(command, args, options);
  running.add(child);
  child.on('exit', () => {
    running.delete(child);
    slots.give();
  });
  return child;
}

export interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once `pattern` appears on `stream`; rejects (and kills the process) if it exits first or is stuck. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  /** Resolves when the process has exited; a process that is stuck is killed and this rejects, with its output. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Lines a child has written, and the callbacks to run each time it writes or exits. */
function capture(child: ChildProcess): { text: { stdout: string; stderr: string }; wakers: Set<() => void> } {
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
  child.on('exit', wake);
  return { text, wakers };
}

/**
 * Starts the built CLI in a temp folder (the demo keeps its data folder in the working directory, never the
 * repository), once a slot is free. With `stdin: true` the test writes the command's standard input (`child.stdin`).
 * A test that keeps one running must not wait for a second to end: with one slot the second would never start.
 */
export async function startCli(args: string[], env: Record<string, string> = {}, options: { stdin?: boolean } = {}): Promise<Cli> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run the tests with \`npm test\` or \`node scripts/run-tests.mjs\`, which build it`);
  const cwd = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  const child = await spawnCounted(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...CLEAN_ENV, ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const { text, wakers } = capture(child);
  const output = () => `\n--- stdout\n${text.stdout}\n--- stderr\n${text.stderr}`;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const stuck = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchboard ${args.join(' ')} did not exit within ${STUCK_MS} ms${output()}`));
    }, STUCK_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(stuck);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  exited.catch(() => {}); // a test that never awaits the exit must not fail on an unhandled rejection
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor(pattern, stream = 'stdout') {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => check(true), STUCK_MS);
        const check = (stuck = false) => {
          const match = pattern.exec(text[stream]);
          if (match) resolve(match);
          else if (stuck || child.exitCode !== null || child.signalCode !== null) {
            child.kill('SIGKILL');
            reject(new Error(`no ${pattern} on ${stream}${stuck ? ` within ${STUCK_MS} ms` : ' before the process exited'}${output()}`));
          } else return;
          clearTimeout(timer);
          wakers.delete(check);
        };
        wakers.add(check);
        check();
      });
    },
  };
}

/**
 * Resolves once `path` exists (a --ready-file), checking every 50 ms; rejects after STUCK_MS. In-process, so that a
 * test holding a child's slot never waits for a second slot (with one slot that would never come).
 */
export async function untilFile(path: string): Promise<void> {
  const deadline = Date.now() + STUCK_MS;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${STUCK_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the `switchboard` command to its end. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = await startCli(args, env);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}
