// The dialogs of SIP calls by Call-ID and tags, the in-dialog requests dispatched to the call that owns each, and what calls send through.

import type { NameAddr } from '../../sip/address.js';
import type { SipClock } from '../../sip/clock.js';
import { dialogKey, dialogKeyOfRequest, type Dialog } from '../../sip/dialog.js';
import type { SipMessage, SipRequest } from '../../sip/message.js';
import type { Peer } from '../../sip/transaction.js';
import type { ServerTransaction, TransactionLayer } from '../../sip/transaction-layer.js';
import type { TimerValues } from '../../sip/transaction.js';

/** A call that owns a dialog. */
export interface DialogUser {
  /** A request inside the dialog (`tx` set: answer through it), or the ACK of our 2xx (`tx` undefined). */
  inDialog(request: SipRequest, tx: ServerTransaction | undefined): void;
}

/** What SIP calls send through: the transaction layer, the transport for ACKs and 2xx retransmissions, our addresses. */
export interface CallSignalling {
  layer: TransactionLayer;
  /** Sends without a transaction (ACK of a 2xx, 2xx retransmissions); failures are logged, never thrown. */
  send(msg: SipMessage, peer: Peer): void;
  /** Our Via for a hop to `peer`, without branch: `SIP/2.0/UDP 127.0.0.1:5060`. */
  via(peer: Peer): string;
  /** Our Contact for calls with `peer`. */
  contact(peer: Peer): NameAddr;
  /** The host part of the PBX's own URIs (From and To of calls to phones). */
  host: string;
  dialogs: CallDialogs;
  /** Real time: retransmissions of 2xx, glare retries, the wait after a CANCEL. */
  clock: SipClock;
  timers: TimerValues;
  log(message: string, fields: Record<string, unknown>): void;
}

/** Every live dialog of a SIP call, so that in-dialog requests find their call and none outlives its call. */
export class CallDialogs {
  private readonly byKey = new Map<string, DialogUser>();

  add(dialog: Dialog, user: DialogUser): void {
    this.byKey.set(dialogKey(dialog), user);
  }

  remove(dialog: Dialog): void {
    this.byKey.delete(dialogKey(dialog));
  }

  /** Hands an in-dialog request to its call; false when no dialog matches (the caller answers 481). */
  dispatch(request: SipRequest, tx: ServerTransaction | undefined): boolean {
    const user = this.byKey.get(dialogKeyOfRequest(request));
    if (!user) return false;
    user.inDialog(request, tx);
    return true;
  }

  /** Live dialogs (none is left once every call has ended). */
  get size(): number {
    return this.byKey.size;
  }
}
