// The benchmark runner (npm run bench): starts the server pinned to core 0 and load generators pinned to core 1, runs
// each scenario for a bounded time over loopback, prints a table and writes JSON under bench/results/.
//
//   npm run bench                      every scenario, full length (about 12 minutes)
//   npm run bench -- --quick           short windows and steps up to 1,024 streams (under 2 minutes)
//   npm run bench -- --only streams    one scenario (streams, churn, fanout, rest, register); --steps 100,1024 for streams
//   npm run bench -- --prof            the server profiles each measured window (V8 sampler, 0.5 ms) into bench/results/profiles/;
//                                      summarise with: node --import tsx bench/profile-summary.ts <file>

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { registrations, type RegistrationRun } from './registrations.js';
import { RESULTS_DIR, ServerUnderTest } from './server-under-test.js';
import { BENCH_ADMIN_KEY, BENCH_APP, BENCH_DID, BENCH_SECRET, extensionDevice, extensionNumber } from './server.js';
import {
  Channel,
  Histogram,
  canPin,
  cpuCount,
  fetchToken,
  jsonRequest,
  killChildren,
  loadAverage,
  mapLimit,
  quantileOf,
  sleep,
  spawnNode,
  type HistogramData,
} from './lib.js';

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const QUICK = flag('quick');
const ONLY = option('only')?.split(',');
const STEPS = option('steps')
  ?.split(',')
  .map(Number)
  .filter((n) => n > 0) ?? (QUICK ? [100, 1024] : [100, 250, 500, 1024, 2048]);
const STREAM_WINDOW_S = Number(option('stream-seconds') ?? (QUICK ? 6 : 60));
const STREAM_WARMUP_S = QUICK ? 2 : 5;
const CHURN_S = QUICK ? 5 : 20;
const FANOUT_S = QUICK ? 5 : 20;
const REST_S = QUICK ? 3 : 10;
const LOAD_CORE = canPin() ? 1 : 0;

const TARGETS = {
  streamsN: 1024,
  cpuCores: 1.0,
  bytesTolerance: 0.01,
  gapP99Ms: 60,
  rssMb: 300,
  churnPerSecond: 500,
  churnP99Ms: 10,
  fanoutP99Ms: 10,
  restRatio: 0.5,
  registerBurstPerSecond: 2000,
  registerKamailioRatio: 0.5,
};


const admin = { authorization: `Bearer ${BENCH_ADMIN_KEY}` };

async function placeCalls(url: string, count: number, firstNumber: number): Promise<{ partyId: number; callId: number }[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const response = await jsonRequest(`${url}/sim/calls`, 'POST', admin, { from: `+1666${String(firstNumber + i).padStart(7, '0')}`, to: BENCH_DID });
      if (response.status !== 201) throw new Error(`placing call ${i}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as { partyId: number; callId: number };
    },
  );
}

async function routePointParticipants(url: string, token: string): Promise<{ id: number; status: string; callid: number }[]> {
  const response = await jsonRequest(`${url}/callcontrol/${BENCH_APP}/participants`, 'GET', { authorization: `Bearer ${token}` });
  if (response.status !== 200) throw new Error(`listing participants: ${response.status}`);
  return response.body as { id: number; status: string; callid: number }[];
}

// ---------------------------------------------------------------- scenario: streams

interface StreamsRow {
  n: number;
  cpuCores: number;
  peakRssMb: number;
  bytesPerSecond: { min: number; median: number; max: number; outside1pct: number };
  gapMs: { p50: number; p99: number; max: number };
  underrunFrames: number;
  framesSkipped: number;
  readersEnded: number;
  errors: number;
  loadGenCores: number;
  machineBusyCores: number;
  serverLoopP99Ms: number;
  windowSeconds: number;
}

/** N inbound calls to the route point, each Connected, the caller echoing what it hears. */
async function connectedCalls(url: string, n: number): Promise<{ token: string; participants: { id: number }[] }> {
  const token = await fetchToken(url, BENCH_APP, BENCH_SECRET);
  const media = await jsonRequest(`${url}/sim/media/default`, 'PUT', admin, { kind: 'echo' });
  if (media.status !== 200) throw new Error(`setting echo: ${media.status}`);
  await placeCalls(url, n, 0);
  const participants = (await routePointParticipants(url, token)).filter((p) => p.status === 'Connected');
  if (participants.length !== n) throw new Error(`expected ${n} connected route point participants, found ${participants.length}`);
  return { token, participants };
}

/** One step of the streams scenario, against Switchboard or (`floor`) against bench/floor.ts with the same generator. */
async function streamsStep(n: number, floor = false): Promise<StreamsRow> {
  const server = await ServerUnderTest.start(floor ? { extensions: 0, floor: true } : { extensions: 1 }, `${floor ? 'floor' : 'streams'}-${n}`);
  try {
    const { url } = server;
    const { token, participants } = floor ? { token: 'floor', participants: Array.from({ length: n }, (_, i) => ({ id: i + 1 })) } : await connectedCalls(url, n);
    const workers = Math.min(4, Math.ceil(n / 512));
    const channels: Channel[] = [];
    for (let w = 0; w < workers; w++) {
      const channel = new Channel(spawnNode('bench/gen-streams.ts', [], { core: LOAD_CORE }), `streams generator ${w}`);
      await channel.next('ready', 60_000);
      channels.push(channel);
    }
    await Promise.all(
      channels.map((channel, w) => {
        const ids = participants.filter((_, i) => i % workers === w).map((p) => p.id);
        channel.send({ cmd: 'start', url, token, dn: BENCH_APP, ids, writeMs: 20, leadMs: 200 });
        return channel.next('started', 120_000);
      }),
    );
    await sleep(STREAM_WARMUP_S * 1000);
    const from = await server.mark();
    for (const channel of channels) channel.send({ cmd: 'mark' });
    await Promise.all(channels.map((c) => c.next('marked')));
    await sleep(STREAM_WINDOW_S * 1000);
    for (const channel of channels) channel.send({ cmd: 'report' });
    const reports = await Promise.all(
      channels.map((c) => c.next<{ elapsedMs: number; bytesPerSecond: number[]; gaps: HistogramData; ended: number; errors: number; cpuCores: number }>('report')),
    );
    const window = await server.window(from);
    await Promise.all(channels.map((c) => c.stop()));
    const gaps = new Histogram();
    for (const report of reports) gaps.merge(report.gaps);
    const rates = reports.flatMap((r) => r.bytesPerSecond).sort((a, b) => a - b);
    return {
      n,
      cpuCores: window.cpuCores,
      peakRssMb: window.peakRssMb,
      bytesPerSecond: {
        min: rates[0] ?? NaN,
        median: quantileOf(rates, 0.5),
        max: rates[rates.length - 1] ?? NaN,
        outside1pct: rates.filter((r) => Math.abs(r - 16000) > 160).length,
      },
      gapMs: { p50: gaps.quantile(0.5), p99: gaps.quantile(0.99), max: gaps.max },
      underrunFrames: window.underrunFrames,
      framesSkipped: window.framesSkipped,
      readersEnded: reports.reduce((a, r) => a + r.ended, 0),
      errors: reports.reduce((a, r) => a + r.errors, 0),
      loadGenCores: reports.reduce((a, r) => a + r.cpuCores, 0),
      machineBusyCores: window.machineBusyCores,
      serverLoopP99Ms: window.loopP99Ms,
      windowSeconds: STREAM_WINDOW_S,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- scenario: churn

interface ChurnRow {
  /** Paced to this many calls/s, or null for the closed loop (as fast as the server answers). */
  pacedRate: number | null;
  callsPerSecond: number;
  concurrency: number;
  responseToEventMs: { p50: number; p99: number; max: number; frameFirstShare: number };
  requestToEventMs: { p50: number; p99: number };
  restP99Ms: number;
  failures: number;
  cpuCores: number;
  peakRssMb: number;
  loadGenCores: number;
  machineBusyCores: number;
  seconds: number;
}

async function churn(rate: number | null): Promise<ChurnRow> {
  const concurrency = 32;
  const server = await ServerUnderTest.start({ extensions: concurrency }, rate ? `churn-${rate}` : 'churn');
  try {
    const token = await fetchToken(server.url, BENCH_APP, BENCH_SECRET);
    const extensions = Array.from({ length: concurrency }, (_, i) => ({ dn: extensionNumber(i), device: extensionDevice(i) }));
    const channel = new Channel(spawnNode('bench/gen-churn.ts', [], { core: LOAD_CORE }), 'churn generator');
    await channel.next('ready', 60_000);
    channel.send({ cmd: 'start', url: server.url, token, extensions, warmupMs: 2000, seconds: CHURN_S, destination: '+15557000001', rate: rate ?? undefined });
    await channel.next('warm', 60_000);
    const from = await server.mark();
    const report = await channel.next<{
      cycles: number;
      elapsedMs: number;
      responseToEvent: HistogramData;
      requestToEvent: HistogramData;
      rest: HistogramData;
      frameFirst: number;
      events: number;
      failures: number;
      cpuCores: number;
    }>('report', (CHURN_S + 60) * 1000);
    const window = await server.window(from);
    await channel.stop();
    const responseToEvent = new Histogram();
    responseToEvent.merge(report.responseToEvent);
    const requestToEvent = new Histogram();
    requestToEvent.merge(report.requestToEvent);
    const rest = new Histogram();
    rest.merge(report.rest);
    return {
      pacedRate: rate,
      callsPerSecond: (report.cycles * 1000) / report.elapsedMs,
      concurrency,
      responseToEventMs: { p50: responseToEvent.quantile(0.5), p99: responseToEvent.quantile(0.99), max: responseToEvent.max, frameFirstShare: report.frameFirst / Math.max(1, report.events) },
      requestToEventMs: { p50: requestToEvent.quantile(0.5), p99: requestToEvent.quantile(0.99) },
      restP99Ms: rest.quantile(0.99),
      failures: report.failures,
      cpuCores: window.cpuCores,
      peakRssMb: window.peakRssMb,
      loadGenCores: report.cpuCores,
      machineBusyCores: window.machineBusyCores,
      seconds: CHURN_S,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- scenario: fan-out

interface FanoutRow {
  clients: number;
  targetEventsPerSecond: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  everyClientMs: { p50: number; p99: number };
  missingFrames: number;
  serverLoopP99Ms: number;
  cpuCores: number;
  peakRssMb: number;
  loadGenCores: number;
  machineBusyCores: number;
  seconds: number;
}

async function fanout(): Promise<FanoutRow> {
  const clients = 100;
  const rate = 1000;
  const calls = 100; // 100 callers x 10 digits = 1,000 distinct (participant, digit) keys: one per event in a second
  const server = await ServerUnderTest.start({ extensions: 1 }, 'fanout');
  try {
    const token = await fetchToken(server.url, BENCH_APP, BENCH_SECRET);
    const parties = await placeCalls(server.url, calls, 0);
    const byCall = new Map((await routePointParticipants(server.url, token)).map((p) => [p.callid, p]));
    // participants[i] is the route point's side of the call of parties[i]: the frames name it.
    const participants = parties.map((party) => byCall.get(party.callId)).filter((p) => p !== undefined);
    if (participants.length !== calls) throw new Error(`fan-out: expected ${calls} route point participants, found ${participants.length}`);
    const listeners: Channel[] = [];
    const processes = 2;
    for (let p = 0; p < processes; p++) {
      const channel = new Channel(spawnNode('bench/gen-fanout.ts', ['clients'], { core: LOAD_CORE }), `fan-out clients ${p}`);
      await channel.next('ready', 60_000);
      channel.send({ cmd: 'start', url: server.url, token, clients: clients / processes });
      await channel.next('started', 60_000);
      listeners.push(channel);
    }
    const trigger = new Channel(spawnNode('bench/gen-fanout.ts', ['trigger'], { core: LOAD_CORE }), 'fan-out trigger');
    await trigger.next('ready', 60_000);
    const from = await server.mark();
    trigger.send({ cmd: 'start', url: server.url, adminKey: BENCH_ADMIN_KEY, partyIds: parties.map((p) => p.partyId), rate, seconds: FANOUT_S });
    const sent = await trigger.next<{ sendTimes: number[]; elapsedMs: number; cpuCores: number }>('report', (FANOUT_S + 60) * 1000);
    await sleep(500); // the last frames
    const window = await server.window(from);
    for (const channel of listeners) channel.send({ cmd: 'report', sendTimes: sent.sendTimes, participants: participants.map((p) => p.id), warmupEvents: rate });
    const reports = await Promise.all(listeners.map((c) => c.next<{ latency: HistogramData; perEventMax: number[]; missing: number; cpuCores: number }>('report')));
    await Promise.all([...listeners, trigger].map((c) => c.stop()));
    const latency = new Histogram();
    for (const report of reports) latency.merge(report.latency);
    const perEvent: number[] = [];
    for (const report of reports) report.perEventMax.forEach((value, i) => (perEvent[i] = Math.max(perEvent[i] ?? -Infinity, value)));
    const everyClient = perEvent.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    return {
      clients,
      targetEventsPerSecond: rate,
      eventsPerSecond: (sent.sendTimes.length * 1000) / sent.elapsedMs,
      latencyMs: { p50: latency.quantile(0.5), p99: latency.quantile(0.99), max: latency.max },
      everyClientMs: { p50: quantileOf(everyClient, 0.5), p99: quantileOf(everyClient, 0.99) },
      missingFrames: reports.reduce((a, r) => a + r.missing, 0),
      serverLoopP99Ms: window.loopP99Ms,
      cpuCores: window.cpuCores,
      peakRssMb: window.peakRssMb,
      loadGenCores: sent.cpuCores + reports.reduce((a, r) => a + r.cpuCores, 0),
      machineBusyCores: window.machineBusyCores,
      seconds: FANOUT_S,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- scenario: rest

interface RestCase {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  bytesPerResponse: number;
  cpuCores: number;
  ratioToBare: number;
}

interface RestRow {
  connections: number;
  cases: RestCase[];
  peakRssMb: number;
  loadGenCores: number;
  machineBusyCores: number;
  seconds: number;
}

async function rest(): Promise<RestRow> {
  const connections = 32;
  const server = await ServerUnderTest.start({ extensions: 499 }, 'rest'); // 499 extensions + the route point: 500 DNs
  try {
    const token = await fetchToken(server.url, BENCH_APP, BENCH_SECRET);
    await placeCalls(server.url, 1, 0);
    const [participant] = await routePointParticipants(server.url, token);
    if (!participant) throw new Error('rest: no participant');
    const dns = await jsonRequest(`${server.url}/callcontrol`, 'GET', { authorization: `Bearer ${token}` });
    const dnCount = Array.isArray(dns.body) ? dns.body.length : 0;
    if (dnCount !== 500) throw new Error(`rest: GET /callcontrol lists ${dnCount} DNs, expected 500`);
    const auth = { authorization: `Bearer ${token}` };
    const cases = [
      { name: 'bare fastify GET /bare (constant)', url: `${server.bareUrl}/bare`, headers: {} },
      { name: 'GET /healthz (same server, no auth)', url: `${server.url}/healthz`, headers: {} },
      { name: 'GET /callcontrol (500 DNs)', url: `${server.url}/callcontrol`, headers: auth },
      { name: `GET /callcontrol/${BENCH_APP}/participants/{id}`, url: `${server.url}/callcontrol/${BENCH_APP}/participants/${participant.id}`, headers: auth },
    ];
    const channel = new Channel(spawnNode('bench/gen-rest.ts', [], { core: LOAD_CORE }), 'rest generator');
    await channel.next('ready', 60_000);
    const results: RestCase[] = [];
    let loadGenCores = 0;
    let machineBusy = 0;
    for (const c of cases) {
      channel.send({ cmd: 'run', url: c.url, headers: c.headers, connections, warmupMs: 1000, seconds: REST_S });
      await channel.next('warm', 60_000);
      const from = await server.mark();
      const report = await channel.next<{ count: number; elapsedMs: number; latency: HistogramData; errors: number; bytes: number; cpuCores: number }>('report', (REST_S + 60) * 1000);
      const window = await server.window(from);
      const latency = new Histogram();
      latency.merge(report.latency);
      loadGenCores = Math.max(loadGenCores, report.cpuCores);
      machineBusy = Math.max(machineBusy, window.machineBusyCores);
      results.push({
        name: c.name,
        requestsPerSecond: (report.count * 1000) / report.elapsedMs,
        p50Ms: latency.quantile(0.5),
        p99Ms: latency.quantile(0.99),
        errors: report.errors,
        bytesPerResponse: report.count > 0 ? report.bytes / report.count : 0,
        cpuCores: window.cpuCores,
        ratioToBare: 0,
      });
    }
    const window = await server.window(await server.mark());
    await channel.stop();
    const bare = results[0]?.requestsPerSecond ?? NaN;
    for (const r of results) r.ratioToBare = r.requestsPerSecond / bare;
    return { connections, cases: results, peakRssMb: window.peakRssMb, loadGenCores, machineBusyCores: machineBusy, seconds: REST_S };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- report

const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const ok = (pass: boolean) => (pass ? 'yes' : 'NO');

function machineText(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  let mhz = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    model = /model name\s*:\s*(.+)/.exec(info)?.[1] ?? model;
    const clock = /cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1];
    if (clock) mhz = ` @ ${Number(clock).toFixed(0)} MHz`;
  } catch {
    // not Linux
  }
  return `${cpuCount()} x ${model}${mhz}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${canPin() ? 'server pinned to core 0, load on core 1' : 'not pinned (no taskset or one core)'}`;
}

function printStreams(rows: StreamsRow[]): void {
  console.log(`\nstreams: N calls, GET + POST /stream each at real time, far party echoing (${STREAM_WINDOW_S} s measured after ${STREAM_WARMUP_S} s warm-up)`);
  console.log('  others = CPU the rest of the machine used meanwhile (2 cores in all): above ~0.2 the server was competing for its core');
  console.log('     N  cpu(core)  peakRSS(MB)  bytes/s min / median / max (outside ±1%)  gap ms p50 / p99 / max  underruns skipped  loadgen(core)  others(cores)');
  for (const r of rows) {
    const b = r.bytesPerSecond;
    console.log(
      `${String(r.n).padStart(6)}  ${f(r.cpuCores, 2).padStart(9)}  ${f(r.peakRssMb, 0).padStart(11)}  ${`${f(b.min, 0)} / ${f(b.median, 0)} / ${f(b.max, 0)} (${b.outside1pct})`.padStart(38)}  ${`${f(r.gapMs.p50)} / ${f(r.gapMs.p99)} / ${f(r.gapMs.max)}`.padStart(22)}  ${String(r.underrunFrames).padStart(9)} ${String(r.framesSkipped).padStart(7)}  ${f(r.loadGenCores, 2).padStart(13)}  ${f(r.machineBusyCores - r.cpuCores - r.loadGenCores, 2).padStart(13)}`,
    );
  }
}

/** Runs one scenario; a failure is reported and recorded, and the run goes on with the next. */
/** The floor beside Switchboard: CPU per call at each N, and the highest N each holds with gap p99 <= 60 ms. */
function printFloor(rows: StreamsRow[], floorRows: StreamsRow[]): void {
  console.log('\nstreams floor: a node:http server with no telephony pacing 320 B every 20 ms to each reader and draining each upload, same generator');
  for (const row of floorRows) {
    const ours = rows.find((r) => r.n === row.n);
    const ratio = ours ? `Switchboard/floor CPU per call ${f(ours.cpuCores / row.cpuCores, 1)}x` : '';
    console.log(`  N=${String(row.n).padStart(5)}  floor cpu ${f(row.cpuCores, 2)} (${f((row.cpuCores * 1000) / row.n, 3)} ms/s per call)  gap p99 ${f(row.gapMs.p99)} ms  outside ±1% ${row.bytesPerSecond.outside1pct}  load gen ${f(row.loadGenCores, 2)}  ${ratio}`);
  }
  const held = (list: StreamsRow[]) => Math.max(0, ...list.filter((r) => r.gapMs.p99 <= TARGETS.gapP99Ms && r.bytesPerSecond.outside1pct === 0).map((r) => r.n));
  console.log(`  highest N held (gap p99 <= 60 ms, every stream within ±1%): Switchboard ${held(rows)}, floor ${held(floorRows)} (steps ${STEPS.join(', ')})`);
}

function printRegistrations(runs: RegistrationRun[], kamailio: string): void {
  console.log(`\nregistrations: ${runs[0]?.agents ?? 0} UAs (2 per extension), digest MD5, UDP; each registration is REGISTER -> 401 -> REGISTER -> 200 (Kamailio: ${kamailio})`);
  for (const run of runs) {
    for (const p of run.phases) {
      console.log(
        `  ${run.target.padEnd(11)} ${p.name.padEnd(20)} ${f(p.perSecond, 0).padStart(6)} reg/s  ${String(p.completed).padStart(6)} ok  ${String(p.failures).padStart(4)} failed  p50 ${f(p.p50Ms, 2).padStart(7)} ms  p99 ${f(p.p99Ms, 2).padStart(7)} ms  max ${f(p.maxMs, 1).padStart(7)} ms  server cpu ${f(p.cpuCores, 2)}  rss ${f(p.rssMb, 0)} MB  load gen ${f(p.loadGenCores, 2)}${p.staleRetries ? `  stale nonces answered ${p.staleRetries}` : ''}${p.failures ? `  failed with ${JSON.stringify(p.failedWith)}` : ''}`,
      );
    }
    console.log(`  ${run.target}: sustained ${f(run.sustainedPerSecond, 0)}/s (zero failures, p99 <= 200 ms); burst ${f(run.burstPerSecond, 0)}/s`);
  }
}

async function attempt<T>(name: string, run: () => Promise<T>, results: Record<string, unknown>): Promise<T | undefined> {
  process.stdout.write(`${name} ...`);
  try {
    const row = await run();
    process.stdout.write(' done\n');
    results[name] = row;
    return row;
  } catch (error) {
    process.stdout.write(` failed: ${(error as Error).message}\n`);
    results[`${name}Error`] = String((error as Error).message);
    return undefined;
  }
}

async function main(): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  // The server under test runs as plain JavaScript compiled from the current sources (no tsx loader in the process).
  const build = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', join('bench', 'tsconfig.server.json')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('compiling the server for the benchmark failed');
  const want = (name: string) => !ONLY || ONLY.includes(name);
  const started = new Date();
  const machine = machineText();
  console.log(`Switchboard benchmarks${QUICK ? ' (--quick)' : ''}: ${machine}`);
  console.log(`load average at start: ${loadAverage()}`);
  const results: Record<string, unknown> = { started: started.toISOString(), quick: QUICK, machine, loadAverageAtStart: loadAverage(), targets: TARGETS };

  if (want('streams')) {
    const rows: StreamsRow[] = [];
    for (const n of STEPS) {
      process.stdout.write(`streams N=${n} ...`);
      try {
        rows.push(await streamsStep(n));
        process.stdout.write(' done\n');
      } catch (error) {
        process.stdout.write(` failed: ${(error as Error).message}\n`);
        results[`streamsError${n}`] = String((error as Error).message);
      }
    }
    results['streams'] = rows;
    printStreams(rows);
    const floorRows: StreamsRow[] = [];
    for (const n of STEPS) {
      const row = await attempt(`floor N=${n}`, () => streamsStep(n, true), results);
      if (row) floorRows.push(row);
    }
    results['streamsFloor'] = floorRows;
    printFloor(rows, floorRows);
  }
  if (want('churn')) {
    const rows: ChurnRow[] = [];
    for (const rate of [null, TARGETS.churnPerSecond]) {
      const row = await attempt(rate ? `churn at ${rate}/s` : 'churn, closed loop', () => churn(rate), results);
      if (row) rows.push(row);
    }
    results['churn'] = rows;
    console.log('\nchurn: makecall from a device -> destination answers -> drop, over REST, 32 loops, one WebSocket monitor');
    for (const row of rows) {
      console.log(
        `  ${row.pacedRate ? `paced at ${row.pacedRate}/s` : 'closed loop'}: ${f(row.callsPerSecond, 0)} calls/s; response->event p50 ${f(row.responseToEventMs.p50, 2)} ms, p99 ${f(row.responseToEventMs.p99, 2)} ms, max ${f(row.responseToEventMs.max, 2)} ms (frame first: ${f(row.responseToEventMs.frameFirstShare * 100, 0)}%); request->event p50 ${f(row.requestToEventMs.p50, 2)} / p99 ${f(row.requestToEventMs.p99, 2)} ms; REST p99 ${f(row.restP99Ms, 2)} ms; failures ${row.failures}; server cpu ${f(row.cpuCores, 2)}, peak RSS ${f(row.peakRssMb, 0)} MB; load gen ${f(row.loadGenCores, 2)}; machine ${f(row.machineBusyCores, 2)} cores (${row.seconds} s)`,
      );
    }
  }
  if (want('fanout')) {
    const row = await attempt('fanout', fanout, results);
    if (row) {
      console.log(`\nfan-out: ${row.clients} WebSocket clients on one application, DTMF events at ${row.targetEventsPerSecond}/s (${row.seconds} s)`);
      console.log(
        `  ${f(row.eventsPerSecond, 0)} events/s sent; trigger->frame per client p50 ${f(row.latencyMs.p50, 2)} ms, p99 ${f(row.latencyMs.p99, 2)} ms, max ${f(row.latencyMs.max, 1)} ms; at every client p50 ${f(row.everyClientMs.p50, 2)} / p99 ${f(row.everyClientMs.p99, 2)} ms; missing frames ${row.missingFrames}; server event-loop delay p99 ${f(row.serverLoopP99Ms, 1)} ms; server cpu ${f(row.cpuCores, 2)} core, peak RSS ${f(row.peakRssMb, 0)} MB; load gen ${f(row.loadGenCores, 2)} core; machine ${f(row.machineBusyCores, 2)} cores`,
      );
    }
  }
  if (want('rest')) {
    const row = await attempt('rest', rest, results);
    if (row) {
      console.log(`\nrest: ${row.connections} keep-alive connections, closed loop (${row.seconds} s per case)`);
      for (const c of row.cases) {
        console.log(
          `  ${c.name.padEnd(44)} ${f(c.requestsPerSecond, 0).padStart(7)} req/s  p50 ${f(c.p50Ms, 2).padStart(6)} ms  p99 ${f(c.p99Ms, 2).padStart(6)} ms  ${f(c.ratioToBare * 100, 0).padStart(4)}% of bare  server cpu ${f(c.cpuCores, 2)}  ${f(c.bytesPerResponse, 0)} B/resp  errors ${c.errors}`,
        );
      }
    }
  }

  if (want('register')) {
    const outcome = await attempt('registrations', () => registrations({ quick: QUICK, loadCore: LOAD_CORE }), results);
    if (outcome) printRegistrations(outcome.runs, outcome.kamailio);
  }

  // Targets
  const verdicts: string[] = [];
  const streams = (results['streams'] as StreamsRow[] | undefined)?.find((r) => r.n === TARGETS.streamsN);
  if (streams) {
    verdicts.push(`streams N=1024: cpu ${f(streams.cpuCores, 2)} <= 1.0: ${ok(streams.cpuCores <= TARGETS.cpuCores)}`);
    verdicts.push(`streams N=1024: every stream within ±1% of 16,000 B/s (${streams.bytesPerSecond.outside1pct} outside): ${ok(streams.bytesPerSecond.outside1pct === 0)}`);
    verdicts.push(`streams N=1024: gap p99 ${f(streams.gapMs.p99)} ms <= 60: ${ok(streams.gapMs.p99 <= TARGETS.gapP99Ms)}`);
    verdicts.push(`streams N=1024: no underruns (${streams.underrunFrames}): ${ok(streams.underrunFrames === 0)}`);
    verdicts.push(`streams N=1024: peak RSS ${f(streams.peakRssMb, 0)} MB <= 300: ${ok(streams.peakRssMb <= TARGETS.rssMb)}`);
  }
  const churnRows = (results['churn'] as ChurnRow[] | undefined) ?? [];
  const closedLoop = churnRows.find((r) => r.pacedRate === null);
  const paced = churnRows.find((r) => r.pacedRate !== null);
  if (closedLoop) verdicts.push(`churn: ${f(closedLoop.callsPerSecond, 0)} calls/s (closed loop) >= 500: ${ok(closedLoop.callsPerSecond >= TARGETS.churnPerSecond)}`);
  if (paced) {
    verdicts.push(
      `churn at ${paced.pacedRate}/s: ran ${f(paced.callsPerSecond, 0)} calls/s, p99 response->event ${f(paced.responseToEventMs.p99, 2)} ms <= 10: ${ok(paced.callsPerSecond >= 0.98 * TARGETS.churnPerSecond && paced.responseToEventMs.p99 <= TARGETS.churnP99Ms)}`,
    );
  }
  const fanoutRow = results['fanout'] as FanoutRow | undefined;
  if (fanoutRow) verdicts.push(`fan-out: p99 ${f(fanoutRow.latencyMs.p99, 2)} ms (every client ${f(fanoutRow.everyClientMs.p99, 2)} ms) <= 10: ${ok(fanoutRow.everyClientMs.p99 <= TARGETS.fanoutP99Ms)}`);
  const restRow = results['rest'] as RestRow | undefined;
  if (restRow) {
    for (const c of restRow.cases.slice(2)) verdicts.push(`rest: ${c.name} at ${f(c.ratioToBare * 100, 0)}% of bare >= 50%: ${ok(c.ratioToBare >= TARGETS.restRatio)}`);
  }
  const registered = (results['registrations'] as { runs: RegistrationRun[] } | undefined)?.runs ?? [];
  const ours = registered.find((r) => r.target === 'switchboard');
  const theirs = registered.find((r) => r.target === 'kamailio');
  if (ours) {
    verdicts.push(`registrations: burst of ${ours.agents} at ${f(ours.burstPerSecond, 0)}/s with ${ours.burstFailures} failures >= 2,000/s, 0 failures: ${ok(ours.burstPerSecond >= TARGETS.registerBurstPerSecond && ours.burstFailures === 0)}`);
    const refresh = ours.phases.find((p) => p.name.startsWith('refresh'));
    if (refresh) verdicts.push(`registrations: ${ours.agents} UAs refreshing every 60 s, ${refresh.failures} failures: ${ok(refresh.failures === 0)}`);
    if (theirs) verdicts.push(`registrations: sustained ${f(ours.sustainedPerSecond, 0)}/s = ${f((ours.sustainedPerSecond / Math.max(1, theirs.sustainedPerSecond)) * 100, 0)}% of Kamailio's ${f(theirs.sustainedPerSecond, 0)}/s >= 50%: ${ok(ours.sustainedPerSecond >= TARGETS.registerKamailioRatio * theirs.sustainedPerSecond)}`);
  }
  results['verdicts'] = verdicts;
  results['loadAverageAtEnd'] = loadAverage();
  console.log(`\ntargets:\n  ${verdicts.join('\n  ')}`);
  console.log(`load average at end: ${loadAverage()}`);
  const file = join(RESULTS_DIR, `bench-${started.toISOString().replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${file}`);
}

const deadline = setTimeout(
  () => {
    console.error('benchmark run exceeded its time bound: stopping');
    killChildren();
    process.exit(2);
  },
  (QUICK ? 4 : 30) * 60_000,
);
deadline.unref();

main()
  .then(() => {
    killChildren();
    process.exit(0);
  })
  .catch((error: unknown) => {
    console.error('benchmark failed:', error);
    killChildren();
    process.exit(1);
  });
