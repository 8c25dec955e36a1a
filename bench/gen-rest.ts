// Load generator for the rest scenario: a closed loop of GET requests over raw keep-alive sockets (one request in
// flight per connection), parsed minimally so the generator costs far less than the server it measures.

import { connect, type Socket } from 'node:net';
import { Histogram, nowMs, runGenerator, sendToParent } from './lib.js';

interface RunCommand {
  url: string;
  headers: Record<string, string>;
  connections: number;
  warmupMs: number;
  seconds: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private sentAt = 0;
  private stopped = false;
  private readonly socket: Socket;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly requestBytes: Buffer,
    private readonly onResponse: (status: number, bytes: number, ms: number) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => this.send());
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', () => this.onResponse(0, 0, 0));
  }

  stop(): void {
    this.stopped = true;
    this.socket.destroy();
  }

  private send(): void {
    if (this.stopped) return;
    this.sentAt = nowMs();
    this.socket.write(this.requestBytes);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const head = this.buffer.toString('latin1', 0, headerEnd);
      const status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) throw new Error(`response without content-length: ${head}`);
      const total = headerEnd + 4 + Number(length[1]);
      if (this.buffer.length < total) return;
      this.buffer = this.buffer.subarray(total);
      this.onResponse(status, total, nowMs() - this.sentAt);
      this.send();
    }
  }
}

async function run(command: RunCommand): Promise<void> {
  const target = new URL(command.url);
  const headerLines = Object.entries(command.headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const requestBytes = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n${headerLines.join('')}\r\n`, 'latin1');
  const latency = new Histogram();
  let measuring = false;
  let count = 0;
  let errors = 0;
  let bytes = 0;
  const onResponse = (status: number, size: number, ms: number) => {
    if (!measuring) return;
    if (status !== 200) {
      errors++;
      return;
    }
    count++;
    bytes += size;
    latency.record(ms);
  };
  const connections = Array.from({ length: command.connections }, () => new Connection(target.hostname, Number(target.port), requestBytes, onResponse));
  await new Promise((resolve) => setTimeout(resolve, command.warmupMs));
  measuring = true;
  const markAt = nowMs();
  const cpuAtMark = process.cpuUsage();
  sendToParent({ type: 'warm' });
  await new Promise((resolve) => setTimeout(resolve, command.seconds * 1000));
  measuring = false;
  const elapsedMs = nowMs() - markAt;
  const cpu = process.cpuUsage(cpuAtMark);
  for (const connection of connections) connection.stop();
  sendToParent({ type: 'report', count, elapsedMs, latency: latency.toData(), errors, bytes, cpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs });
}

runGenerator({
  run: (message) => run(message as unknown as RunCommand),
});
