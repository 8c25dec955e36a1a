// The SIP transport layer (RFC 3261 §18): UDP and TCP on one address and port (TLS optional), framing, Via received/rport, 400 for unreadable requests.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { buildResponse, REASON_PHRASES } from './builders.js';
import type { SipClock } from './clock.js';
import { ConnectionTable, type Connection } from './connections.js';
import { SipParseError } from './errors.js';
import { MAX_SIP_CONNECTIONS, SIP_CONNECTION_IDLE_MS } from './limits.js';
import type { SipMessage, SipRequest } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import type { Peer } from './transaction.js';
import { formatVia, parseVia } from './via.js';

export interface TransportOptions {
  /** Address to bind; UDP and TCP share it and the port. */
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  transports: ReadonlyArray<'udp' | 'tcp'>;
  /** TLS on its own port (0 for a free one) with a PEM certificate and key. */
  tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  /**
   * Outbound TLS connections. A peer's certificate is verified (against `ca` when given, else Node's trusted roots,
   * with the host name or address checked) unless `verifyPeer` is false, which accepts any certificate: only for a
   * peer known by other means (a trunk with a self-signed certificate on a private network).
   */
  tlsClient?: { verifyPeer?: boolean; ca?: string | Buffer };
  clock: SipClock;
  maxConnections?: number;
  idleMs?: number;
  /** A message read whole and valid, with the peer it came from (Via already carries received/rport). */
  onMessage(msg: SipMessage, source: Peer): void;
  /** A message refused (answered 400/505 when it was a readable request, dropped otherwise), or a send that failed later. */
  onError?(error: Error, peer: Peer): void;
}

export interface BoundPorts {
  udp?: number;
  tcp?: number;
  tls?: number;
}

export class SipTransport {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private tlsServer: Server | undefined;
  private readonly connections: ConnectionTable;

  constructor(private readonly options: TransportOptions) {
    this.connections = new ConnectionTable(options.clock, options.maxConnections ?? MAX_SIP_CONNECTIONS, options.idleMs ?? SIP_CONNECTION_IDLE_MS);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<BoundPorts> {
    const ports: BoundPorts = {};
    let port = this.options.port;
    if (this.options.transports.includes('tcp')) {
      this.tcp = createServer((socket) => this.accept(socket, 'TCP'));
      port = await listen(this.tcp, this.options.host, port);
      ports.tcp = port;
    }
    if (this.options.transports.includes('udp')) {
      this.udp = createSocket({ type: this.options.host.includes(':') ? 'udp6' : 'udp4' });
      this.udp.on('message', (data, rinfo) => this.receive(data, { transport: 'UDP', host: rinfo.address, port: rinfo.port }, false));
      this.udp.on('error', (err) => this.options.onError?.(err, { transport: 'UDP', host: this.options.host, port }));
      ports.udp = await bindUdp(this.udp, this.options.host, port);
    }
    if (this.options.tls) {
      const { cert, key } = this.options.tls;
      this.tlsServer = createTlsServer({ cert, key }, (socket) => this.accept(socket, 'TLS'));
      ports.tls = await listen(this.tlsServer, this.options.host, this.options.tls.port);
    }
    return ports;
  }

  async stop(): Promise<void> {
    this.connections.closeAll();
    await Promise.all([
      this.udp ? new Promise<void>((resolve) => this.udp?.close(() => resolve())) : undefined,
      this.tcp ? new Promise<void>((resolve) => this.tcp?.close(() => resolve())) : undefined,
      this.tlsServer ? new Promise<void>((resolve) => this.tlsServer?.close(() => resolve())) : undefined,
    ]);
    this.udp = undefined;
    this.tcp = undefined;
    this.tlsServer = undefined;
  }

  /**
   * Sends `msg` to `peer`. Over TCP/TLS an open connection to the peer is reused (the one a request came in on,
   * for its responses); otherwise one is opened. Throws when the transport is not running or the table is full;
   * failures after that point are reported through onError.
   */
  send(msg: SipMessage, peer: Peer): void {
    const bytes = serializeMessage(msg);
    if (peer.transport === 'UDP') {
      if (!this.udp) throw new Error('UDP is not running');
      this.udp.send(bytes, peer.port, peer.host, (err) => {
        if (err) this.options.onError?.(err, peer);
      });
      return;
    }
    const conn = this.connections.get(peer) ?? this.open(peer);
    this.connections.touch(conn);
    conn.socket.write(bytes);
  }

  private open(peer: Peer): Connection {
    if (!this.connections.hasRoom()) throw new Error('SIP connection limit reached');
    const socket: Socket | TLSSocket = peer.transport === 'TLS' ? this.connectTls(peer) : connect({ host: peer.host, port: peer.port });
    return this.attach(socket, peer);
  }

  private connectTls(peer: Peer): TLSSocket {
    const client = this.options.tlsClient ?? {};
    // Node checks the peer's host name or address against the certificate and sends SNI for host names itself.
    return tlsConnect({ host: peer.host, port: peer.port, rejectUnauthorized: client.verifyPeer !== false, ...(client.ca === undefined ? {} : { ca: client.ca }) });
  }

  private accept(socket: Socket, transport: 'TCP' | 'TLS'): void {
    if (!this.connections.hasRoom()) {
      socket.destroy();
      return;
    }
    this.attach(socket, { transport, host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
  }

  private attach(socket: Socket, peer: Peer): Connection {
    const conn = this.connections.add(peer, socket);
    socket.on('error', (err) => this.options.onError?.(err, peer));
    socket.on('data', (chunk: Buffer) => {
      this.connections.touch(conn);
      for (const event of conn.framer.push(chunk)) {
        if (event.kind === 'ping') socket.write('\r\n');
        else if (event.kind === 'message') this.receive(event.bytes, peer, true);
        else {
          this.options.onError?.(event.error, peer);
          socket.destroy();
        }
      }
    });
    return conn;
  }

  private receive(bytes: Buffer, source: Peer, stream: boolean): void {
    // A datagram of only CRLFs is a keep-alive (RFC 5626 §4.4.1 uses STUN; many phones send CRLF): ignore it.
    if (!stream && /^[\r\n]*$/.test(bytes.toString('latin1'))) return;
    let msg: SipMessage;
    try {
      msg = parseMessage(bytes, { stream });
    } catch (err) {
      // Whatever a peer sends, the socket handler must not throw: anything but a parse error is reported and dropped.
      if (err instanceof SipParseError) this.refuse(err, source);
      else this.options.onError?.(err instanceof Error ? err : new Error(String(err)), source);
      return;
    }
    if (msg.type === 'request') stampVia(msg, source);
    try {
      this.options.onMessage(msg, source);
    } catch (err) {
      // A fault in the layer above must not take the socket (or the process) down with it.
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)), source);
    }
  }

  /** Answers a refused request when its Via, From, To, Call-ID and CSeq can address an answer; drops it otherwise. */
  private refuse(err: SipParseError, source: Peer): void {
    this.options.onError?.(err, source);
    if (!err.request || err.request.method === 'ACK') return;
    const headers = err.request.headers;
    if (!['Via', 'From', 'To', 'Call-ID', 'CSeq'].every((n) => headers.has(n))) return;
    try {
      parseVia(headers.get('Via') ?? '');
      const response = buildResponse({ headers }, err.status, { reason: reasonFor(err) });
      this.send(response, source);
    } catch {
      // Not even the Via is readable: nothing can carry an answer.
    }
  }
}

/** RFC 3261 §18.2.1 and RFC 3581: note where the request really came from, so responses find their way back through NAT. */
function stampVia(request: SipRequest, source: Peer): void {
  const top = request.headers.get('Via');
  if (top === undefined) return;
  const via = parseVia(top);
  if (via.host !== source.host) via.params.set('received', source.host);
  if (via.params.has('rport')) {
    via.params.set('rport', String(source.port));
    via.params.set('received', source.host);
  }
  request.headers.setFirst('Via', formatVia(via));
}

function reasonFor(err: SipParseError): string {
  // A short, fixed phrase: the parser's detail goes to the log, never back to an unknown peer.
  return REASON_PHRASES[err.status] ?? 'Bad Request';
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function bindUdp(socket: UdpSocket, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}
