// The transaction layer: matches messages to transactions (RFC 3261 §17.1.3, §17.2.3), keeps a bounded table, hands new requests up.

import { buildResponse } from './builders.js';
import type { SipClock } from './clock.js';
import { InviteClientTransaction, type InviteClientEvents } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { MAX_SIP_TRANSACTIONS } from './limits.js';
import { callIdOf, cseqOf, fromOf, tagOf, topVia, type SipRequest, type SipResponse } from './message.js';
import { NonInviteClientTransaction, type NonInviteClientEvents } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { DEFAULT_TIMERS, type Peer, type SendFn, type TimerValues, type TransactionContext } from './transaction.js';
import { BRANCH_MAGIC_COOKIE, viaBranch, viaSentBy } from './via.js';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** The transaction user (a UA core, the registrar...). */
export interface TransactionUser {
  /**
   * A request that starts a server transaction (`tx` set: answer through it), or an ACK that matched none
   * (`tx` undefined: the ACK of a 2xx, which belongs to the dialog, RFC 3261 §17.2.3).
   */
  request(request: SipRequest, tx: ServerTransaction | undefined, source: Peer): void;
  /** A CANCEL matched a pending INVITE; the layer has answered the CANCEL 200; the TU should answer the INVITE 487. */
  cancel?(invite: InviteServerTransaction, cancel: SipRequest): void;
  /** A response that matched no client transaction (a 2xx retransmission after Timer M, for instance). */
  strayResponse?(response: SipResponse, source: Peer): void;
}

export interface TransactionLayerOptions {
  clock: SipClock;
  send: SendFn;
  user: TransactionUser;
  timers?: TimerValues;
  maxTransactions?: number;
}

/** Thrown by {@link TransactionLayer.sendRequest} when the table is full. */
export class TransactionTableFullError extends Error {
  constructor() {
    super('too many SIP transactions');
    this.name = 'TransactionTableFullError';
  }
}

/**
 * Server key (§17.2.3): branch, sent-by and method, ACK counting as INVITE; an RFC 2543 request without the
 * magic cookie is keyed by Call-ID, From tag, CSeq number, sent-by and method instead.
 */
export function serverKey(request: SipRequest, method = request.method === 'ACK' ? 'INVITE' : request.method): string {
  const via = topVia(request);
  const branch = viaBranch(via);
  if (branch?.startsWith(BRANCH_MAGIC_COOKIE)) return `${branch}|${viaSentBy(via)}|${method}`;
  return `2543|${callIdOf(request)}|${tagOf(fromOf(request)) ?? ''}|${cseqOf(request).seq}|${viaSentBy(via)}|${method}`;
}

/** Client key (§17.1.3): the top Via branch and the CSeq method. */
export function clientKey(msg: SipRequest | SipResponse): string {
  return `${viaBranch(topVia(msg)) ?? ''}|${cseqOf(msg).method}`;
}

export class TransactionLayer {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly timers: TimerValues;
  private readonly max: number;

  constructor(private readonly options: TransactionLayerOptions) {
    this.timers = options.timers ?? DEFAULT_TIMERS;
    this.max = options.maxTransactions ?? MAX_SIP_TRANSACTIONS;
  }

  /** Transactions alive, client and server together. */
  get size(): number {
    return this.servers.size + this.clients.size;
  }

  receiveRequest(request: SipRequest, source: Peer): void {
    const key = serverKey(request);
    const existing = this.servers.get(key);
    if (request.method === 'ACK') {
      // The ACK of a 2xx belongs to the dialog (RFC 6026 §7.1: the Accepted transaction passes it up), so the TU gets it.
      if (existing instanceof InviteServerTransaction && existing.state !== 'accepted') existing.receive(request);
      else this.options.user.request(request, undefined, source);
      return;
    }
    if (existing) return existing.receive(request);
    if (this.size >= this.max) this.forgetOldestCompleted();
    if (this.size >= this.max) {
      // Stateless refusal: no transaction is created, so a flood cannot grow the table.
      const refusal = buildResponse(request, 503, { toTag: 'overload' });
      refusal.headers.append('Retry-After', '5');
      this.sendQuietly(refusal, source);
      return;
    }
    if (request.method === 'CANCEL') return this.cancel(request, key, source);
    const tx = request.method === 'INVITE' ? new InviteServerTransaction(request, source, this.context(this.servers, key)) : new NonInviteServerTransaction(request, source, this.context(this.servers, key));
    this.servers.set(key, tx);
    if (tx instanceof InviteServerTransaction) tx.start();
    this.options.user.request(request, tx, source);
  }

  receiveResponse(response: SipResponse, source: Peer): void {
    const tx = this.clients.get(clientKey(response));
    if (tx) tx.receive(response);
    else this.options.user.strayResponse?.(response, source);
  }

  /** Starts a client transaction; the request's top Via must carry an RFC 3261 branch. Not for ACK (it has no transaction). */
  sendRequest(request: SipRequest, peer: Peer, events: InviteClientEvents | NonInviteClientEvents): ClientTransaction {
    if (request.method === 'ACK') throw new RangeError('ACK is sent without a transaction');
    if (!viaBranch(topVia(request))?.startsWith(BRANCH_MAGIC_COOKIE)) throw new RangeError('the top Via needs a z9hG4bK branch');
    if (this.size >= this.max) throw new TransactionTableFullError();
    const key = clientKey(request);
    if (this.clients.has(key)) throw new RangeError('a client transaction with this branch and method exists');
    const ctx = this.context(this.clients, key);
    const tx = request.method === 'INVITE' ? new InviteClientTransaction(request, peer, ctx, events) : new NonInviteClientTransaction(request, peer, ctx, events);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** The server transaction a request belongs to, if any (ACK and CANCEL look up their INVITE's). */
  findServer(request: SipRequest, method?: string): ServerTransaction | undefined {
    return this.servers.get(serverKey(request, method));
  }

  /**
   * Makes room by forgetting the oldest non-INVITE server transaction that only waits out Timer J (its answer is
   * sent; a late retransmission of its request would be taken as new), so a full table refuses new requests only
   * when every slot holds work in progress. Map order is creation order, so the first found is the oldest.
   */
  private forgetOldestCompleted(): void {
    for (const tx of this.servers.values()) {
      if (tx instanceof NonInviteServerTransaction && tx.absorbing) return tx.forget();
    }
  }

  private cancel(request: SipRequest, key: string, source: Peer): void {
    const tx = new NonInviteServerTransaction(request, source, this.context(this.servers, key));
    this.servers.set(key, tx);
    const invite = this.servers.get(serverKey(request, 'INVITE'));
    if (invite instanceof InviteServerTransaction && invite.state === 'proceeding') {
      tx.respond(buildResponse(request, 200));
      this.options.user.cancel?.(invite, request);
    } else {
      tx.respond(buildResponse(request, 481));
    }
  }

  private context<T>(table: Map<string, T>, key: string): TransactionContext {
    return { clock: this.options.clock, send: this.options.send, timers: this.timers, terminated: () => table.delete(key) };
  }

  private sendQuietly(response: SipResponse, peer: Peer): void {
    try {
      this.options.send(response, peer);
    } catch {
      // A refusal that cannot be sent is simply not sent.
    }
  }
}
