// Load generator for the registration scenario: SIP user agents registering over UDP with digest authentication
// (REGISTER -> 401 -> REGISTER with credentials -> 200), each retransmitting on RFC 3261 timer A, timed from the first
// send to the 200. The same generator runs against Switchboard and against Kamailio.

import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { Histogram, nowMs, runGenerator, sendToParent } from './lib.js';

interface Target {
  host: string;
  port: number;
}

/** One user agent: `user` registers contact `sip:user-ua@host:port` of its socket. */
interface Agent {
  user: string;
  index: number;
  socket: number;
  callId: string;
  fromTag: string;
  cseq: number;
  state: 'idle' | 'challenged' | 'authorising';
  startedAt: number;
  sentAt: number;
  retransmits: number;
  timer: NodeJS.Timeout | undefined;
  done: ((ok: boolean) => void) | undefined;
  lastRequest: Buffer | undefined;
}

const T1_MS = 500;
const MAX_RETRANSMITS = 6; // 0.5 + 1 + 2 + 4 + 4 + 4 + 4 s: a transaction gives up after about 20 s
const SOCKETS = 8;

const sockets: Socket[] = [];
const ports: number[] = [];
const agents: Agent[] = [];
const byCallId = new Map<string, Agent>();
let target: Target = { host: '127.0.0.1', port: 5060 };
let password = '';
let expires = 120;
let timings = new Histogram();
let failures = 0;
let unexpected = 0;
/** Final statuses that ended a registration other than the 401 -> 200 path, by status (0: timed out). */
let statuses: Record<string, number> = {};
let staleRetries = 0;
let completed = 0;

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function header(text: string, name: string): string | undefined {
  const re = new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im');
  return re.exec(text)?.[1]?.trim();
}

/** The MD5 challenge of a 401 (the first WWW-Authenticate with algorithm MD5 or none). */
function md5Challenge(text: string): Record<string, string> | undefined {
  for (const line of text.split('\r\n')) {
    const match = /^WWW-Authenticate[ \t]*:[ \t]*Digest[ \t]+(.*)$/i.exec(line);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const m of match[1]!.matchAll(/([a-zA-Z-]+)=("([^"]*)"|[^,\s]+)/g)) params[m[1]!.toLowerCase()] = m[3] ?? m[2]!;
    if (!params['algorithm'] || params['algorithm'].toUpperCase() === 'MD5') return params;
  }
  return undefined;
}

function request(agent: Agent, authorization?: string): Buffer {
  const port = ports[agent.socket]!;
  const host = target.host;
  agent.cseq += 1;
  const lines = [
    `REGISTER sip:${host}:${target.port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70',
    `From: <sip:${agent.user}@${host}>;tag=${agent.fromTag}`,
    `To: <sip:${agent.user}@${host}>`,
    `Call-ID: ${agent.callId}`,
    `CSeq: ${agent.cseq} REGISTER`,
    `Contact: <sip:${agent.user}-${agent.index}@127.0.0.1:${port}>`,
    `Expires: ${expires}`,
    'User-Agent: switchboard-bench',
  ];
  if (authorization) lines.push(`Authorization: ${authorization}`);
  lines.push('Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'));
}

function send(agent: Agent, data: Buffer): void {
  agent.lastRequest = data;
  agent.sentAt = nowMs();
  agent.retransmits = 0;
  sockets[agent.socket]!.send(data, target.port, target.host);
  arm(agent, T1_MS);
}

function arm(agent: Agent, delay: number): void {
  if (agent.timer) clearTimeout(agent.timer);
  agent.timer = setTimeout(() => {
    if (agent.retransmits >= MAX_RETRANSMITS) {
      statuses['0'] = (statuses['0'] ?? 0) + 1;
      return finish(agent, false);
    }
    agent.retransmits += 1;
    sockets[agent.socket]!.send(agent.lastRequest!, target.port, target.host);
    arm(agent, Math.min(delay * 2, 4 * T1_MS * 2));
  }, delay);
}

function finish(agent: Agent, ok: boolean): void {
  if (agent.timer) clearTimeout(agent.timer);
  agent.timer = undefined;
  agent.state = 'idle';
  if (ok) {
    completed += 1;
    timings.record(nowMs() - agent.startedAt);
  } else {
    failures += 1;
  }
  const done = agent.done;
  agent.done = undefined;
  done?.(ok);
}

/** Registers one agent (a fresh challenge each time, as a phone whose nonce has gone stale would). */
function register(agent: Agent): Promise<boolean> {
  return new Promise((resolve) => {
    agent.done = resolve;
    agent.state = 'challenged';
    agent.startedAt = nowMs();
    send(agent, request(agent));
  });
}

function receive(data: Buffer): void {
  const text = data.toString('latin1');
  const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
  const agent = byCallId.get(header(text, '(?:Call-ID|i)') ?? '');
  const cseq = Number(/^(\d+)/.exec(header(text, 'CSeq') ?? '')?.[1] ?? -1);
  if (!agent || agent.state === 'idle' || cseq !== agent.cseq) return; // a late retransmission's answer
  if (status < 200) return;
  if (status === 401 && agent.state === 'challenged') {
    const challenge = md5Challenge(text);
    if (!challenge?.['nonce'] || !challenge['realm']) return finish(agent, false);
    agent.state = 'authorising';
    send(agent, request(agent, authorization(agent, challenge)));
    return;
  }
  if (status === 200 && agent.state === 'authorising') return finish(agent, true);
  if (status === 401 && agent.state === 'authorising' && /stale=(true|"true")/i.test(text)) {
    // The nonce went stale before our answer reached the server: answer the fresh challenge, as phones do.
    const challenge = md5Challenge(text);
    if (challenge?.['nonce'] && challenge['realm']) {
      staleRetries += 1;
      send(agent, request(agent, authorization(agent, challenge)));
      return;
    }
  }
  unexpected += 1;
  statuses[status] = (statuses[status] ?? 0) + 1;
  finish(agent, false);
}

function authorization(agent: Agent, challenge: Record<string, string>): string {
  const realm = challenge['realm']!;
  const nonce = challenge['nonce']!;
  const uri = `sip:${target.host}:${target.port}`;
  const ha1 = md5(`${agent.user}:${realm}:${password}`);
  const ha2 = md5(`REGISTER:${uri}`);
  const parts = [`username="${agent.user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`, 'algorithm=MD5'];
  if (challenge['qop']?.split(',').map((q) => q.trim()).includes('auth')) {
    const cnonce = randomBytes(4).toString('hex');
    parts.push(`response="${md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`)}"`, 'qop=auth', 'nc=00000001', `cnonce="${cnonce}"`);
  } else {
    parts.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  if (challenge['opaque']) parts.push(`opaque="${challenge['opaque']}"`);
  return `Digest ${parts.join(', ')}`;
}

function resetFigures(): void {
  timings = new Histogram();
  failures = 0;
  unexpected = 0;
  completed = 0;
  statuses = {};
  staleRetries = 0;
}

function figures(startedAt: number): Record<string, unknown> {
  const seconds = (nowMs() - startedAt) / 1000;
  return { type: 'result', completed, failures, unexpected, statuses, staleRetries, seconds, perSecond: completed / seconds, ms: { p50: timings.quantile(0.5), p99: timings.quantile(0.99), max: timings.max }, cpu: process.cpuUsage() };
}

async function openSockets(): Promise<void> {
  for (let i = 0; i < SOCKETS; i++) {
    const socket = createSocket('udp4');
    socket.on('message', receive);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.setRecvBufferSize(8 * 1024 * 1024);
    socket.setSendBufferSize(8 * 1024 * 1024);
    sockets.push(socket);
    ports.push(socket.address().port);
  }
}

runGenerator({
  /** `{target, users: [[user, count]...], password, expires}`: makes the agents (no traffic). */
  async setup(message) {
    if (sockets.length === 0) await openSockets();
    target = message['target'] as Target;
    password = String(message['password']);
    expires = Number(message['expires'] ?? 120);
    agents.length = 0;
    byCallId.clear();
    for (const [user, count] of message['users'] as [string, number][]) {
      for (let k = 0; k < count; k++) {
        const index = agents.length;
        const agent: Agent = { user, index, socket: index % SOCKETS, callId: `${randomBytes(8).toString('hex')}@bench`, fromTag: randomBytes(4).toString('hex'), cseq: 0, state: 'idle', startedAt: 0, sentAt: 0, retransmits: 0, timer: undefined, done: undefined, lastRequest: undefined };
        agents.push(agent);
        byCallId.set(agent.callId, agent);
      }
    }
    sendToParent({ type: 'setup', agents: agents.length });
  },
  /** Every agent registers at once (sent in slices of 500 per turn of the event loop). */
  async burst() {
    resetFigures();
    const startedAt = nowMs();
    const all: Promise<boolean>[] = [];
    for (let i = 0; i < agents.length; i++) {
      all.push(register(agents[i]!));
      if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all);
    sendToParent(figures(startedAt));
  },
  /** Registrations started at `rate` per second for `seconds`, cycling through the agents (each start a refresh). */
  async paced(message) {
    resetFigures();
    const rate = Number(message['rate']);
    const seconds = Number(message['seconds']);
    const startedAt = nowMs();
    const total = Math.round(rate * seconds);
    const pending: Promise<boolean>[] = [];
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((nowMs() - startedAt) / 1000) * rate));
        while (next < due) {
          const agent = agents[next % agents.length]!;
          next += 1;
          if (agent.state !== 'idle') {
            failures += 1; // the previous registration of this agent is still running: the server is behind
            continue;
          }
          pending.push(register(agent));
        }
        if (next >= total) return resolve();
        setTimeout(tick, 5);
      };
      tick();
    });
    await Promise.all(pending);
    sendToParent(figures(startedAt));
  },
});
