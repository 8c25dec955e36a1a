// The live feed socket (/sim/live): the admin key in a subprotocol, reconnection with backoff, and why it is down.

import { LIVE_CLOSE_TOO_MANY, LIVE_KEY_PROTOCOL_PREFIX, LIVE_PROTOCOL, type LiveMessage } from '../../../src/client/live-protocol';
import { SimError, type SimApi } from './api';

export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** Down: trying again in `inMs`; `lost` when it had been live (the server stopped or restarted). */
  | { kind: 'retrying'; inMs: number; lost: boolean; reason: string }
  /** The server refused the admin key: nothing more is tried until a new key is given. */
  | { kind: 'unauthorized' };

export interface ConnectionHandlers {
  message(message: LiveMessage): void;
  status(status: ConnectionStatus): void;
}

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 10_000;

function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class LiveConnection {
  private socket: WebSocket | undefined;
  private retryTimer: number | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly api: SimApi,
    private readonly handlers: ConnectionHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'console closed');
    this.socket = undefined;
  }

  /** Asks for the state at the next push (after this console changed something). */
  refresh(): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send('{"type":"refresh"}');
  }

  private open(): void {
    this.handlers.status({ kind: 'connecting' });
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/sim/live`, [LIVE_PROTOCOL, LIVE_KEY_PROTOCOL_PREFIX + base64url(this.api.key)]);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.failures = 0;
      this.handlers.status({ kind: 'live' });
    };
    socket.onmessage = (event: MessageEvent<string>) => this.handlers.message(JSON.parse(event.data) as LiveMessage);
    socket.onclose = (event) => {
      if (this.stopped || this.socket !== socket) return;
      this.socket = undefined;
      if (event.code === LIVE_CLOSE_TOO_MANY) this.retry(false, 'the server has as many consoles as it serves');
      else if (opened) this.retry(true, 'the connection to the server was lost');
      else void this.diagnose();
    };
  }

  /** The upgrade failed: a browser cannot see why, so ask /sim whether the key or the server is the problem. */
  private async diagnose(): Promise<void> {
    try {
      await this.api.get('/clock');
      this.retry(false, 'the live feed refused the connection');
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof SimError && error.status === 401) {
        this.handlers.status({ kind: 'unauthorized' });
        return;
      }
      this.retry(false, 'the server cannot be reached');
    }
  }

  private retry(lost: boolean, reason: string): void {
    if (this.stopped) return;
    const backoff = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures);
    const inMs = Math.round(backoff * (0.8 + Math.random() * 0.4));
    this.failures++;
    this.handlers.status({ kind: 'retrying', inMs, lost, reason });
    this.retryTimer = window.setTimeout(() => this.open(), inMs);
  }
}
