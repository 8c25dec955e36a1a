// Dialogs (RFC 3261 §12): state, identifiers, route set, CSeq numbers and remote target, and the requests sent inside one.

import { formatNameAddr, type NameAddr } from './address.js';
import { newBranch } from './builders.js';
import { SipHeaders } from './headers.js';
import { callIdOf, contactsOf, cseqOf, fromOf, routesOf, tagOf, toOf, type SipRequest, type SipResponse } from './message.js';
import { isSipUri, type Uri } from './uri.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface Dialog {
  state: DialogState;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From (UAC) or To (UAS) of the request that made the dialog, without tag. */
  localUri: Uri;
  remoteUri: Uri;
  /** Where in-dialog requests go: the peer's latest Contact. */
  remoteTarget: Uri;
  /** Route values in the order requests carry them. */
  routeSet: NameAddr[];
  /** Last CSeq number sent; undefined until this side sends a request (UAS). */
  localSeq: number | undefined;
  /** Last CSeq number received; undefined until the peer sends one (UAC). */
  remoteSeq: number | undefined;
  secure: boolean;
}

/** The key dialogs are found by: Call-ID and both tags, from this side's point of view. */
export function dialogKey(d: Pick<Dialog, 'callId' | 'localTag' | 'remoteTag'>): string {
  return `${d.callId}|${d.localTag}|${d.remoteTag}`;
}

/** The key of the dialog an incoming request belongs to (its To tag is ours, its From tag is theirs). */
export function dialogKeyOfRequest(request: SipRequest): string {
  return dialogKey({ callId: callIdOf(request), localTag: tagOf(toOf(request)) ?? '', remoteTag: tagOf(fromOf(request)) ?? '' });
}

function contactUri(msg: SipRequest | SipResponse): Uri | undefined {
  const contacts = contactsOf(msg);
  return contacts === '*' ? undefined : contacts[0]?.uri;
}

/**
 * The UAC's dialog from a response with a To tag (§12.1.2): early for 1xx, confirmed for 2xx. The route set is
 * the response's Record-Route reversed. Undefined when the response cannot make a dialog.
 */
export function uacDialog(request: SipRequest, response: SipResponse): Dialog | undefined {
  const remoteTag = tagOf(toOf(response));
  const localTag = tagOf(fromOf(request));
  const target = contactUri(response);
  if (response.status < 101 || response.status >= 300 || !remoteTag || !localTag || !target) return undefined;
  return {
    state: response.status < 200 ? 'early' : 'confirmed',
    callId: callIdOf(request),
    localTag,
    remoteTag,
    localUri: fromOf(request).uri,
    remoteUri: toOf(request).uri,
    remoteTarget: target,
    routeSet: routesOf(response, 'Record-Route').reverse(),
    localSeq: cseqOf(request).seq,
    remoteSeq: undefined,
    secure: isSipUri(request.uri) && request.uri.scheme === 'sips',
  };
}

/** The UAS's dialog when it answers `request` with a 1xx or 2xx carrying `localTag` (§12.1.1): route set is Record-Route in order. */
export function uasDialog(request: SipRequest, localTag: string, status: number): Dialog | undefined {
  const remoteTag = tagOf(fromOf(request));
  const target = contactUri(request);
  if (status < 101 || status >= 300 || !remoteTag || !target) return undefined;
  return {
    state: status < 200 ? 'early' : 'confirmed',
    callId: callIdOf(request),
    localTag,
    remoteTag,
    localUri: toOf(request).uri,
    remoteUri: fromOf(request).uri,
    remoteTarget: target,
    routeSet: routesOf(request, 'Record-Route'),
    localSeq: undefined,
    remoteSeq: cseqOf(request).seq,
    secure: isSipUri(request.uri) && request.uri.scheme === 'sips',
  };
}

/** A 2xx confirms an early UAC dialog; the route set is recomputed from it and the target refreshed (§13.2.2.4). */
export function confirmUac(dialog: Dialog, response: SipResponse): void {
  if (dialog.state !== 'early' || response.status < 200 || response.status >= 300) return;
  dialog.state = 'confirmed';
  dialog.routeSet = routesOf(response, 'Record-Route').reverse();
  dialog.remoteTarget = contactUri(response) ?? dialog.remoteTarget;
}

export function terminate(dialog: Dialog): void {
  dialog.state = 'terminated';
}

const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/**
 * Takes an in-dialog request from the peer (§12.2.2): a CSeq lower than the last one is out of order and
 * answered 500; a target refresh updates the remote target. Returns the status to refuse with, if any.
 */
export function receiveInDialog(dialog: Dialog, request: SipRequest): 500 | undefined {
  const seq = cseqOf(request).seq;
  if (request.method !== 'ACK' && request.method !== 'CANCEL') {
    if (dialog.remoteSeq !== undefined && seq <= dialog.remoteSeq) return 500;
    dialog.remoteSeq = seq;
  }
  if (TARGET_REFRESH.has(request.method)) dialog.remoteTarget = contactUri(request) ?? dialog.remoteTarget;
  return undefined;
}

export interface InDialogOptions {
  /** The Via sent-by and transport of this hop, e.g. `SIP/2.0/UDP 127.0.0.1:5060`; a fresh branch is added. */
  via: string;
  /** Our Contact, required on target-refresh requests. */
  contact?: NameAddr;
  /** ACK and CANCEL reuse the CSeq number of the INVITE they belong to instead of taking the next one. */
  seq?: number;
}

/** Builds a request inside `dialog` (§12.2.1.1), loose routing when the first route has lr, strict routing otherwise. */
export function inDialogRequest(dialog: Dialog, method: string, options: InDialogOptions): SipRequest {
  let seq = options.seq;
  if (seq === undefined) {
    dialog.localSeq = (dialog.localSeq ?? Math.floor(Math.random() * 2 ** 16)) + 1;
    seq = dialog.localSeq;
  }
  const headers = new SipHeaders();
  headers.append('Via', `${options.via};branch=${newBranch()}`);
  let uri = dialog.remoteTarget;
  const routes = dialog.routeSet.map(formatNameAddr);
  const first = dialog.routeSet[0];
  if (first && !(isSipUri(first.uri) && first.uri.params.has('lr'))) {
    // Strict routing (RFC 2543 proxies): the first route becomes the Request-URI and the target goes last.
    uri = first.uri;
    routes.shift();
    routes.push(formatNameAddr({ uri: dialog.remoteTarget, params: new Map() }));
  }
  for (const route of routes) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', formatNameAddr({ uri: dialog.localUri, params: new Map([['tag', dialog.localTag]]) }));
  headers.append('To', formatNameAddr({ uri: dialog.remoteUri, params: new Map([['tag', dialog.remoteTag]]) }));
  headers.append('Call-ID', dialog.callId);
  headers.append('CSeq', `${seq} ${method}`);
  if (options.contact && TARGET_REFRESH.has(method)) headers.append('Contact', formatNameAddr(options.contact));
  return { type: 'request', method, uri, headers, body: Buffer.alloc(0) };
}

