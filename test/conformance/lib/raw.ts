// Hand-written HTTP/1.1 and WebSocket bytes over tls.connect / net.connect: exactly what a given client puts on the wire.

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Endpoint } from './http.js';

const WAIT_MS = 10_000;

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One connection; bytes in are buffered and parsed on demand. */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private readonly wakers = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async open(endpoint: Endpoint): Promise<RawConnection> {
    const url = new URL(endpoint.base);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port);
    const socket =
      endpoint.scheme === 'https'
        ? tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, ca: endpoint.ca })
        : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(endpoint.scheme === 'https' ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  /** The Host header value for this endpoint. */
  static host(endpoint: Endpoint): string {
    return new URL(endpoint.base).host;
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Waits until `take` can consume something from the buffer; it returns [value, bytes used] or undefined. */
  private take<T>(take: (buffer: Buffer, closed: boolean) => [T, number] | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const got = take(this.buffer, this.closed);
        if (got) {
          this.buffer = this.buffer.subarray(got[1]);
          return finish(() => resolve(got[0]));
        }
        if (this.closed) return finish(() => reject(new Error(`connection closed before ${what}`)));
        return undefined;
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), WAIT_MS);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.wakers.delete(attempt);
        settle();
      };
      this.wakers.add(attempt);
      attempt();
    });
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Status line and headers (names lower-cased). */
  readHead(): Promise<{ status: number; headers: Record<string, string> }> {
    return this.take((buffer) => {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      return [{ status: Number(statusLine!.split(' ')[1]), headers }, end + 4];
    }, 'a response head');
  }

  /** One chunk of a chunked body (empty at the last chunk). */
  readChunk(): Promise<Buffer> {
    return this.take((buffer) => {
      const line = buffer.indexOf('\r\n');
      if (line < 0) return undefined;
      const size = parseInt(buffer.subarray(0, line).toString('latin1'), 16);
      const total = line + 2 + size + 2;
      if (buffer.length < total) return undefined;
      return [Buffer.from(buffer.subarray(line + 2, line + 2 + size)), total];
    }, 'a chunk');
  }

  async readBody(headers: Record<string, string>): Promise<Buffer> {
    if (headers['transfer-encoding'] === 'chunked') {
      const chunks: Buffer[] = [];
      for (let chunk = await this.readChunk(); chunk.length > 0; chunk = await this.readChunk()) chunks.push(chunk);
      return Buffer.concat(chunks);
    }
    const length = Number(headers['content-length'] ?? 0);
    return this.take((buffer) => (buffer.length >= length ? [Buffer.from(buffer.subarray(0, length)), length] : undefined), 'the body');
  }

  async response(): Promise<RawResponse> {
    const head = await this.readHead();
    return { ...head, body: await this.readBody(head.headers) };
  }

  /** Reads raw bytes as they come (a WebSocket after the upgrade). */
  readBytes(count: number): Promise<Buffer> {
    return this.take((buffer) => (buffer.length >= count ? [Buffer.from(buffer.subarray(0, count)), count] : undefined), `${count} bytes`);
  }

  /** Whatever is buffered, without waiting. */
  drain(): Buffer {
    const all = this.buffer;
    this.buffer = Buffer.alloc(0);
    return all;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends one request (Connection: close) on a fresh connection and reads the response. */
export async function rawRequest(endpoint: Endpoint, head: string, body: string | Buffer = ''): Promise<RawResponse> {
  const connection = await RawConnection.open(endpoint);
  try {
    await connection.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
    return await connection.response();
  } finally {
    connection.destroy();
  }
}

/** A client WebSocket frame (always masked, RFC 6455 §5.3). */
export function wsFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, 0x80 | length]) : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([header, mask, masked]);
}

/** Reads one server frame (never masked). */
export async function readWsFrame(connection: RawConnection): Promise<{ opcode: number; payload: Buffer }> {
  const [first, second] = await connection.readBytes(2);
  let length = second! & 0x7f;
  if (length === 126) length = (await connection.readBytes(2)).readUInt16BE(0);
  else if (length === 127) length = Number((await connection.readBytes(8)).readBigUInt64BE(0));
  return { opcode: first! & 0x0f, payload: length === 0 ? Buffer.alloc(0) : await connection.readBytes(length) };
}
