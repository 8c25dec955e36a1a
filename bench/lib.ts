// Shared pieces of the benchmark suite: latency histograms, child processes pinned to a core, /proc readings.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';

/** Milliseconds on the monotonic clock; comparable across processes on one machine (CLOCK_MONOTONIC). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// ---------------------------------------------------------------- histograms

/** Resolution of a histogram bucket, in ms (10 µs). */
const BUCKET_MS = 0.01;
/** Values beyond this land in the last bucket (the exact maximum is kept apart). */
const MAX_TRACKED_MS = 5000;
const BUCKETS = Math.ceil(MAX_TRACKED_MS / BUCKET_MS) + 1;

/** Sparse, mergeable form sent over IPC: [bucket, count] pairs, the exact max and the count. */
export interface HistogramData {
  pairs: [number, number][];
  max: number;
  count: number;
}

/** A fixed-resolution histogram of millisecond values (10 µs buckets up to 5 s): constant memory, mergeable. */
export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  record(ms: number): void {
    const value = ms < 0 ? 0 : ms;
    const bucket = Math.min(BUCKETS - 1, Math.floor(value / BUCKET_MS));
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.count++;
    if (value > this.max) this.max = value;
  }

  merge(data: HistogramData): void {
    for (const [bucket, count] of data.pairs) this.counts[bucket] = (this.counts[bucket] as number) + count;
    this.count += data.count;
    if (data.max > this.max) this.max = data.max;
  }

  /** The value at quantile q (0..1), at bucket resolution (the upper edge of its bucket, never above max). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(this.max, (i + 1) * BUCKET_MS);
    }
    return this.max;
  }

  toData(): HistogramData {
    const pairs: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if ((this.counts[i] as number) > 0) pairs.push([i, this.counts[i] as number]);
    return { pairs, max: this.max, count: this.count };
  }
}

export function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills every child still running (by pid, SIGKILL). Safe to call more than once. */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killChildren();
      process.exit(130);
    });
  }
}

let tasksetChecked: boolean | undefined;

/** Whether `taskset` exists and this machine has at least two cores to pin to. */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    tasksetChecked = probe.status === 0 && cpuCount() >= 2;
  }
  return tasksetChecked;
}

export function cpuCount(): number {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((line) => line.startsWith('processor')).length || 1;
  } catch {
    return 1;
  }
}

export interface NodeChildOptions {
  /** Core to pin to (ignored without taskset). */
  core: number;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  env?: NodeJS.ProcessEnv;
  /** Run a plain JavaScript file (no tsx loader). */
  plain?: boolean;
}

/** Starts `node --import tsx <script> args` (or plain `node <script>`), pinned to `core` when possible, with an IPC channel; killed on exit. */
export function spawnNode(script: string, args: string[], options: NodeChildOptions): ChildProcess {
  installCleanup();
  const nodeArgs = [...(options.nodeFlags ?? []), ...(options.plain ? [] : ['--import', 'tsx']), script, ...args];
  const [command, argv] = canPin() ? ['taskset', ['-c', String(options.core), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command as string, argv as string[], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...options.env } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Messages from a child, awaited by type. */
export class Channel {
  private readonly queue: Record<string, unknown>[] = [];
  private readonly waiters: { type: string; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (message: Record<string, unknown>) => {
      const at = this.waiters.findIndex((w) => w.type === message['type']);
      if (at >= 0) {
        const [waiter] = this.waiters.splice(at, 1);
        waiter?.resolve(message);
      } else {
        this.queue.push(message);
      }
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${name} exited (code ${code}, signal ${signal})`);
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.exited);
    });
  }

  send(message: Record<string, unknown>): void {
    if (this.child.connected) this.child.send(message);
  }

  /** The next message of `type`, or a rejection after `timeoutMs` or when the child exits. */
  next<T = Record<string, unknown>>(type: string, timeoutMs = 120_000): Promise<T> {
    const at = this.queue.findIndex((m) => m['type'] === type);
    if (at >= 0) return Promise.resolve(this.queue.splice(at, 1)[0] as T);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        type,
        resolve: (m: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`${this.name}: no '${type}' message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Asks the child to stop and waits for it to exit (killed after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.child.pid !== undefined && this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** In a child: the parent's messages; the child exits when the parent goes away. */
export function onParentMessage(handler: (message: Record<string, unknown>) => void | Promise<void>): void {
  process.on('message', (message: Record<string, unknown>) => {
    Promise.resolve(handler(message)).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

export function sendToParent(message: Record<string, unknown>): void {
  process.send?.(message);
}

type Message = Record<string, unknown>;

/**
 * A load generator's life: tells the parent it is ready, runs each command the parent sends (`{cmd, ...}`) with the
 * handler of that name, and on `stop` runs `stop` (if given) and exits. Unknown commands are ignored.
 */
export function runGenerator(commands: Record<string, (message: Message) => void | Promise<void>>, stop?: () => void): void {
  onParentMessage(async (message) => {
    const cmd = String(message['cmd']);
    if (cmd === 'stop') {
      stop?.();
      process.exit(0);
    }
    await commands[cmd]?.(message);
  });
  sendToParent({ type: 'ready' });
}

// ---------------------------------------------------------------- machine readings

export interface CpuTimes {
  busy: number;
  total: number;
}

/** Jiffies of all cores together (busy and total) from /proc/stat, or undefined off Linux. */
export function machineCpu(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Cores' worth of CPU used by everything on the machine between two readings. */
export function machineBusyCores(a: CpuTimes | undefined, b: CpuTimes | undefined, cores: number): number {
  if (!a || !b || b.total === a.total) return NaN;
  return ((b.busy - a.busy) / (b.total - a.total)) * cores;
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

// ---------------------------------------------------------------- HTTP helpers for setup

export const setupAgent = new Agent({ keepAlive: true, maxSockets: 32 });

/** A small JSON request over keep-alive (setup and control paths, not the measured load). */
export function jsonRequest(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method,
        agent: setupAgent,
        headers: { ...headers, ...(payload !== undefined ? { 'content-type': headers['content-type'] ?? 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function fetchToken(url: string, clientId: string, secret: string): Promise<string> {
  const form = new URLSearchParams({ client_id: clientId, client_secret: secret, grant_type: 'client_credentials' }).toString();
  const response = await jsonRequest(`${url}/connect/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form);
  const token = (response.body as { access_token?: string } | undefined)?.access_token;
  if (response.status !== 200 || !token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(response.body)}`);
  return token;
}

/** Runs `task` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
