// Scenario: SIP registrations with digest authentication (10,000 user agents on 5,000 extensions, two phones each):
// a burst of all at once, then rising paced rates, then (full runs) every agent refreshing once a minute; the same
// generator against Switchboard and against Kamailio, each pinned to the server core, in the same run.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Channel, canPin, sleep, spawnNode } from './lib.js';
import { SERVER_CORE, ServerUnderTest } from './server-under-test.js';
import { BENCH_SIP_PASSWORD, sipExtensionNumber } from './server.js';

export interface RegistrationOptions {
  quick: boolean;
  loadCore: number;
}

export interface RegistrationPhase {
  name: string;
  /** Registrations started per second (paced phases), null for the burst. */
  rate: number | null;
  completed: number;
  failures: number;
  /** Why registrations failed: final status (0: no answer after every retransmission) -> count. */
  failedWith: Record<string, number>;
  staleRetries: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU over the phase, in cores. */
  cpuCores: number;
  /** Server resident memory at the end of the phase. */
  rssMb: number;
  /** Load generator CPU over the phase, in cores. */
  loadGenCores: number;
}

export interface RegistrationRun {
  target: 'switchboard' | 'kamailio';
  agents: number;
  phases: RegistrationPhase[];
  /** Highest paced rate held with zero failures and p99 <= 200 ms. */
  sustainedPerSecond: number;
  /** Completed registrations per second of the burst (every agent at once). */
  burstPerSecond: number;
  burstFailures: number;
}

export const REGISTRATION_EXTENSIONS = 5000;
const PHONES_PER_EXTENSION = 2;
const P99_BOUND_MS = 200;

/** What the target under test looks like to the scenario: where it listens, and its CPU and memory now. */
interface Target {
  port: number;
  /** Starts a measured window (a profiled one for Switchboard under --prof). */
  begin(): Promise<void>;
  /** Ends the window: CPU over it in cores, resident memory at its end. */
  end(): Promise<{ cpuCores: number; rssMb: number }>;
  stop(): Promise<void>;
}

interface GenResult {
  completed: number;
  failures: number;
  /** Why registrations failed: final status (0: no answer after every retransmission) -> count. */
  statuses: Record<string, number>;
  /** Registrations that answered a stale=true challenge once more. */
  staleRetries: number;
  seconds: number;
  perSecond: number;
  ms: { p50: number; p99: number; max: number };
  cpu: { user: number; system: number };
}

async function switchboardTarget(): Promise<Target> {
  const server = await ServerUnderTest.start({ extensions: 0, sipExtensions: REGISTRATION_EXTENSIONS }, 'registrations');
  if (server.sipPort === null) throw new Error('the server under test has no SIP UDP port');
  let from: Awaited<ReturnType<ServerUnderTest['mark']>> | undefined;
  return {
    port: server.sipPort,
    async begin() {
      from = await server.mark();
    },
    async end() {
      const window = await server.window(from!);
      return { cpuCores: window.cpuCores, rssMb: window.rssMb };
    },
    stop: () => server.stop(),
  };
}

/** Kamailio's processes: the main one and every process it forked (they share its process group). */
function processTree(root: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      if (Number(entry) === root || Number(fields[2]) === root) pids.push(Number(entry)); // fields[2]: process group
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

function treeUsage(root: number): { cpuMs: number; rssMb: number } {
  const ticks = 100; // USER_HZ
  let cpuMs = 0;
  let rssMb = 0;
  for (const pid of processTree(root)) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks; // utime, stime
      rssMb += (Number(fields[21]) * 4096) / 2 ** 20; // rss pages (shared memory counted once per process)
    } catch {
      // the process ended meanwhile
    }
  }
  return { cpuMs, rssMb };
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Waits until something answers SIP on the port (Kamailio answers OPTIONS 405 with this configuration). */
async function answersSip(port: number, timeoutMs: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const answered = new Promise<boolean>((resolve) => {
        socket.once('message', () => resolve(true));
        setTimeout(() => resolve(false), 200);
      });
      const own = socket.address().port;
      socket.send(`OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${own};branch=z9hG4bK${Date.now()}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: probe-${Date.now()}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, port, '127.0.0.1');
      if (await answered) return;
    }
    throw new Error(`nothing answered SIP on 127.0.0.1:${port} within ${timeoutMs} ms`);
  } finally {
    socket.close();
  }
}

/** True when Kamailio is installed (Debian package `kamailio`). */
export function kamailioAvailable(): boolean {
  return spawnSync('kamailio', ['-v'], { stdio: 'ignore' }).status === 0;
}

async function kamailioTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-kamailio-'));
  const port = await freeUdpPort();
  const template = readFileSync(join(process.cwd(), 'bench', 'kamailio', 'registrar.cfg'), 'utf8');
  const cfg = join(dir, 'registrar.cfg');
  // Its own process group (detached), so its workers are found by group. Four workers, as a small Kamailio would run; all pinned to the server core, so the comparison is per core.
  writeFileSync(cfg, template.replaceAll('@PORT@', String(port)).replaceAll('@PASSWORD@', BENCH_SIP_PASSWORD).replaceAll('@CHILDREN@', '4'));
  const args = ['-f', cfg, '-DD', '-E', '-m', '256', '-M', '16', '-w', dir];
  const child: ChildProcess = canPin() ? spawn('taskset', ['-c', String(SERVER_CORE), 'kamailio', ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true }) : spawn('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await answersSip(port, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; kamailio said: ${errors.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const root = child.pid!;
  let from = { cpuMs: 0, atMs: 0 };
  return {
    port,
    async begin() {
      from = { cpuMs: treeUsage(root).cpuMs, atMs: performance.now() };
    },
    async end() {
      const now = treeUsage(root);
      return { cpuCores: (now.cpuMs - from.cpuMs) / (performance.now() - from.atMs), rssMb: now.rssMb };
    },
    async stop() {
      for (const pid of processTree(root)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone already
        }
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function phase(name: string, rate: number | null, result: GenResult, server: { cpuCores: number; rssMb: number }, genCpuMs: number): RegistrationPhase {
  return {
    name,
    rate,
    completed: result.completed,
    failures: result.failures,
    failedWith: result.statuses,
    staleRetries: result.staleRetries,
    seconds: result.seconds,
    perSecond: result.perSecond,
    p50Ms: result.ms.p50,
    p99Ms: result.ms.p99,
    maxMs: result.ms.max,
    cpuCores: server.cpuCores,
    rssMb: server.rssMb,
    loadGenCores: genCpuMs / (result.seconds * 1000),
  };
}

async function runAgainst(kind: RegistrationRun['target'], options: RegistrationOptions): Promise<RegistrationRun> {
  const target = kind === 'switchboard' ? await switchboardTarget() : await kamailioTarget();
  const generator = new Channel(spawnNode('bench/gen-register.ts', [], { core: options.loadCore }), 'registration generator');
  try {
    await generator.next('ready', 60_000);
    const users: [string, number][] = Array.from({ length: REGISTRATION_EXTENSIONS }, (_, i) => [sipExtensionNumber(i), PHONES_PER_EXTENSION]);
    generator.send({ cmd: 'setup', target: { host: '127.0.0.1', port: target.port }, users, password: BENCH_SIP_PASSWORD, expires: 300 });
    const { agents } = await generator.next<{ agents: number }>('setup');
    const phases: RegistrationPhase[] = [];
    let genCpu = 0;
    const measure = async (name: string, rate: number | null, command: Record<string, unknown>, timeoutMs: number) => {
      await target.begin();
      generator.send(command);
      const result = await generator.next<GenResult>('result', timeoutMs);
      const server = await target.end();
      const cpu = (result.cpu.user + result.cpu.system) / 1000;
      const row = phase(name, rate, result, server, cpu - genCpu);
      genCpu = cpu;
      phases.push(row);
      return row;
    };
    const burst = await measure('burst', null, { cmd: 'burst' }, 120_000);
    await sleep(1000); // the burst's stragglers
    const rates = options.quick ? [1000, 2000, 4000] : [500, 1000, 2000, 4000, 8000];
    const seconds = options.quick ? 3 : 10;
    let sustained = 0;
    for (const rate of rates) {
      const row = await measure(`paced ${rate}/s`, rate, { cmd: 'paced', rate, seconds }, (seconds + 60) * 1000);
      if (row.failures > 0 || row.p99Ms > P99_BOUND_MS) break;
      sustained = rate;
    }
    if (!options.quick) {
      // Every agent refreshes once in 60 s: 10,000 UAs on a one-minute refresh interval.
      await measure('refresh every 60 s', agents / 60, { cmd: 'paced', rate: agents / 60, seconds: 60 }, 180_000);
    }
    return { target: kind, agents, phases, sustainedPerSecond: sustained, burstPerSecond: burst.perSecond, burstFailures: burst.failures };
  } finally {
    await generator.stop();
    await target.stop();
  }
}

/** Runs the scenario against Switchboard, then Kamailio when it is installed (else says why not). */
export async function registrations(options: RegistrationOptions): Promise<{ runs: RegistrationRun[]; kamailio: string }> {
  const runs = [await runAgainst('switchboard', options)];
  let kamailio = 'measured';
  if (!kamailioAvailable()) kamailio = 'not installed (Debian package kamailio): no comparison';
  else runs.push(await runAgainst('kamailio', options));
  return { runs, kamailio };
}
