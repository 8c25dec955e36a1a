// Load generator for the fan-out scenario, in two roles:
//   clients: N WebSocket connections of one application, recording when each DTMFstring frame arrives;
//   trigger: presses keys through /sim at a fixed rate (each press is one state change: a DTMFstring event), recording
//            when each was sent.
// Event j is key (party j % 100, digit floor(j / 100) % 10): every key recurs once per 1,000 events, so a client numbers
// the frames of each key as they come and knows which event each frame is. Latency = frame arrival - press sent.

import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { Histogram, nowMs, runGenerator, sendToParent } from './lib.js';

const PARTIES = 100;
const DIGITS = 10;
const KEYS = PARTIES * DIGITS;
const role = process.argv[2];

// ---------------------------------------------------------------- clients

interface Client {
  socket: WebSocket;
  participant: number[];
  digit: number[];
  at: number[];
}

const clients: Client[] = [];

async function openClients(url: string, token: string, count: number): Promise<void> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/callcontrol/ws`;
  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const client: Client = { socket, participant: [], digit: [], at: [] };
    socket.on('message', (data: Buffer) => {
      const at = nowMs();
      // 100,000 frames a second reach this core: read the two fields by position rather than JSON.parse every frame.
      // {"sequence":n,"event":{"event_type":2,"entity":"/callcontrol/900/participants/17","attached_data":{"dtmf_input":"3"}}}
      const text = data.toString('latin1');
      if (!text.includes('"event_type":2,')) return;
      const idEnd = text.indexOf('"', text.indexOf('/participants/') + 14);
      const idStart = text.lastIndexOf('/', idEnd) + 1;
      const digitAt = text.indexOf('"dtmf_input":"') + 14;
      client.participant.push(Number(text.slice(idStart, idEnd)));
      client.digit.push(Number(text[digitAt]));
      client.at.push(at);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    clients.push(client);
  }
}

function reportClients(sendTimes: number[], participants: number[], warmupEvents: number, cpuCores: number): void {
  const indexOf = new Map(participants.map((id, index) => [id, index]));
  const latency = new Histogram();
  const perEventMax = new Array<number>(sendTimes.length).fill(-Infinity);
  let missing = 0;
  for (const client of clients) {
    const occurrences = new Uint32Array(KEYS);
    let received = 0;
    for (let i = 0; i < client.at.length; i++) {
      const party = indexOf.get(client.participant[i] as number);
      const digit = client.digit[i] as number;
      if (party === undefined || digit < 0) continue;
      const key = digit * PARTIES + party;
      const j = (occurrences[key] as number) * KEYS + key;
      occurrences[key] = (occurrences[key] as number) + 1;
      const sentAt = sendTimes[j];
      if (sentAt === undefined || j < warmupEvents) continue;
      received++;
      const ms = (client.at[i] as number) - sentAt;
      latency.record(ms);
      if (ms > (perEventMax[j] as number)) perEventMax[j] = ms;
    }
    missing += Math.max(0, sendTimes.length - warmupEvents) - received;
  }
  sendToParent({ type: 'report', latency: latency.toData(), perEventMax: perEventMax.slice(warmupEvents).map((v) => (Number.isFinite(v) ? v : null)), missing, cpuCores });
}

// ---------------------------------------------------------------- trigger

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function press(url: string, partyId: number, digit: number): Promise<void> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ digits: String(digit) });
    const req = request(
      `${url}/sim/parties/${partyId}/dtmf`,
      { method: 'POST', agent, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end(body);
  });
}

let ADMIN_KEY = '';

async function trigger(url: string, partyIds: number[], rate: number, seconds: number): Promise<void> {
  const sendTimes: number[] = [];
  const total = Math.floor(rate * seconds);
  const started = nowMs();
  const cpuAtStart = process.cpuUsage();
  const inFlight = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = nowMs() - started;
      // Bounded in time as well as count: on a starved machine the run ends on time with fewer events (reported).
      const due = elapsed >= seconds * 1000 ? sendTimes.length : Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
      while (sendTimes.length < due) {
        const j = sendTimes.length;
        sendTimes.push(nowMs());
        const p = press(url, partyIds[j % PARTIES] as number, Math.floor(j / PARTIES) % DIGITS);
        inFlight.add(p);
        void p.then(() => inFlight.delete(p));
      }
      if (sendTimes.length >= total || elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.race([Promise.all(inFlight), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  const elapsedMs = nowMs() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  sendToParent({ type: 'report', sendTimes, elapsedMs, cpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs });
}

// ---------------------------------------------------------------- control

let cpuAtStart = process.cpuUsage();
let startedAt = nowMs();

runGenerator(
  {
    start: async (message) => {
      if (role === 'clients') {
        await openClients(message['url'] as string, message['token'] as string, message['clients'] as number);
        cpuAtStart = process.cpuUsage();
        startedAt = nowMs();
        sendToParent({ type: 'started' });
      } else {
        ADMIN_KEY = message['adminKey'] as string;
        const partyIds = message['partyIds'] as number[];
        if (partyIds.length !== PARTIES) throw new Error(`the trigger needs ${PARTIES} parties`);
        await trigger(message['url'] as string, partyIds, message['rate'] as number, message['seconds'] as number);
      }
    },
    report: (message) => {
      const cpu = process.cpuUsage(cpuAtStart);
      reportClients(message['sendTimes'] as number[], message['participants'] as number[], message['warmupEvents'] as number, (cpu.user + cpu.system) / 1000 / (nowMs() - startedAt));
    },
  },
  () => {
    for (const client of clients) client.socket.terminate();
  },
);
