// Load generator for the churn scenario: cycles of makecall from a device (the destination answers at once) and drop,
// over REST with keep-alive, one loop per extension, and one WebSocket monitor timing each action's event frame.

import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { Histogram, nowMs, runGenerator, sendToParent } from './lib.js';

interface StartCommand {
  /** Calls per second to pace the loops to (all together); absent: as fast as the server answers (closed loop). */
  rate?: number;
  url: string;
  token: string;
  extensions: { dn: string; device: string }[];
  warmupMs: number;
  seconds: number;
  destination: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const UPSERT = 0;
const REMOVE = 1;
/** Arrival of the first Upsert and of the Remove of each participant entity (kept until its cycle is over). */
const firstUpsertAt = new Map<string, number>();
const removeAt = new Map<string, number>();
const waiters = new Map<string, () => void>();
const responseToEvent = new Histogram();
const requestToEvent = new Histogram();
const restLatency = new Histogram();
let measuring = false;
let frameFirst = 0;
let events = 0;

function onFrame(data: WebSocket.RawData): void {
  const at = nowMs();
  const frame = JSON.parse(data.toString()) as { event: { event_type: number; entity: string } };
  const { event_type: type, entity } = frame.event;
  if (type === UPSERT) {
    if (firstUpsertAt.has(entity)) return;
    firstUpsertAt.set(entity, at);
  } else if (type === REMOVE) {
    removeAt.set(entity, at);
  } else {
    return;
  }
  const key = `${type}|${entity}`;
  const waiter = waiters.get(key);
  if (waiter) {
    waiters.delete(key);
    waiter();
  }
}

/** Waits for the frame (it may have come before the response) and records its latency from request and response. */
async function frameOf(type: number, entity: string, requestAt: number, responseAt: number): Promise<void> {
  const seen = type === UPSERT ? firstUpsertAt : removeAt;
  if (!seen.has(entity)) await new Promise<void>((resolve) => waiters.set(`${type}|${entity}`, resolve));
  const frameAt = seen.get(entity) as number;
  if (!measuring) return;
  events++;
  if (frameAt < responseAt) frameFirst++;
  responseToEvent.record(frameAt - responseAt);
  requestToEvent.record(frameAt - requestAt);
}

async function cycle(command: StartCommand, extension: { dn: string; device: string }): Promise<boolean> {
  const base = command.url;
  const makeAt = nowMs();
  const made = await post(`${base}/callcontrol/${extension.dn}/devices/${encodeURIComponent(extension.device)}/makecall`, command.token, JSON.stringify({ destination: command.destination }));
  const madeAt = nowMs();
  if (measuring) restLatency.record(madeAt - makeAt);
  if (made.status !== 200) return false;
  const participant = (JSON.parse(made.body) as { result: { id: number } | null }).result;
  if (!participant) return false;
  const entity = `/callcontrol/${extension.dn}/participants/${participant.id}`;
  await frameOf(UPSERT, entity, makeAt, madeAt);
  const dropAt = nowMs();
  const dropped = await post(`${base}/callcontrol/${extension.dn}/participants/${participant.id}/drop`, command.token, '{}');
  const droppedAt = nowMs();
  if (measuring) restLatency.record(droppedAt - dropAt);
  if (dropped.status !== 200) return false;
  await frameOf(REMOVE, entity, dropAt, droppedAt);
  firstUpsertAt.delete(entity);
  removeAt.delete(entity);
  return true;
}

async function run(command: StartCommand): Promise<void> {
  const socket = new WebSocket(`${command.url.replace(/^http/, 'ws')}/callcontrol/ws`, { headers: { authorization: `Bearer ${command.token}` } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('message', onFrame);
  let cycles = 0;
  let failures = 0;
  let stopAt = Infinity;
  let markAt = 0;
  let cpuAtMark = process.cpuUsage();
  // Paced mode: one shared schedule of start times, 1000 / rate ms apart; a loop waits for its slot.
  let nextSlot = nowMs();
  const pace = async () => {
    if (!command.rate) return;
    const slot = Math.max(nextSlot, nowMs() - 1000 / command.rate);
    nextSlot = slot + 1000 / command.rate;
    const wait = slot - nowMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
  const loops = command.extensions.map(async (extension) => {
    while (nowMs() < stopAt) {
      await pace();
      try {
        if (await cycle(command, extension)) {
          if (measuring) cycles++;
        } else {
          failures++;
        }
      } catch {
        failures++;
      }
    }
  });
  setTimeout(() => {
    measuring = true;
    markAt = nowMs();
    cpuAtMark = process.cpuUsage();
    stopAt = markAt + command.seconds * 1000;
    sendToParent({ type: 'warm' });
    setTimeout(() => {
      const elapsedMs = nowMs() - markAt;
      measuring = false;
      const cpu = process.cpuUsage(cpuAtMark);
      sendToParent({
        type: 'report',
        cycles,
        elapsedMs,
        responseToEvent: responseToEvent.toData(),
        requestToEvent: requestToEvent.toData(),
        rest: restLatency.toData(),
        frameFirst,
        events,
        failures,
        cpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
      });
    }, command.seconds * 1000);
  }, command.warmupMs);
  await Promise.all(loops);
  socket.close();
}

runGenerator({
  start: (message) => void run(message as unknown as StartCommand),
});
