// Messages the stack derives from others: a response to a request (RFC 3261 §8.2.6), the ACK of a failed INVITE (§17.1.1.3), a CANCEL (§9.1).

import { randomBytes } from 'node:crypto';
import { SipHeaders } from './headers.js';
import { cseqOf, type SipRequest, type SipResponse } from './message.js';
import { BRANCH_MAGIC_COOKIE } from './via.js';

/** Reason phrases of RFC 3261 §21 and the extensions the stack answers with. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required',
  423: 'Interval Too Brief', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** A random token with enough entropy for tags and branches (RFC 3261 §19.3: at least 32 bits). */
export function randomToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomToken()}`;
}

/**
 * A response to `req` with the headers §8.2.6.2 copies (Via, From, To, Call-ID, CSeq). `toTag` is added to To
 * when it has none and the status is above 100 (a 100 Trying carries no tag it would have to keep).
 */
export function buildResponse(req: Pick<SipRequest, 'headers'>, status: number, options: { reason?: string; toTag?: string } = {}): SipResponse {
  const headers = new SipHeaders();
  for (const via of req.headers.getAll('Via')) headers.append('Via', via);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq'] as const) {
    const value = req.headers.get(name);
    if (value !== undefined) headers.append(name, value);
  }
  const to = headers.get('To');
  if (to !== undefined && status > 100 && options.toTag && !/;\s*tag\s*=/i.test(to)) headers.set('To', `${to};tag=${options.toTag}`);
  return { type: 'response', status, reason: options.reason ?? REASON_PHRASES[status] ?? 'Unknown', headers, body: Buffer.alloc(0) };
}

/** The ACK a client INVITE transaction sends for a 300-699 response: same hop (top Via), To from the response. */
export function buildAckForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.get('Via');
  if (topVia !== undefined) headers.append('Via', topVia);
  for (const route of invite.headers.getAll('Route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', invite.headers.get('From') ?? '');
  headers.append('To', response.headers.get('To') ?? invite.headers.get('To') ?? '');
  headers.append('Call-ID', invite.headers.get('Call-ID') ?? '');
  headers.append('CSeq', `${cseqOf(invite).seq} ACK`);
  return { type: 'request', method: 'ACK', uri: invite.uri, headers, body: Buffer.alloc(0) };
}

/** A CANCEL for a pending INVITE: same Request-URI, Call-ID, From, To, CSeq number and top Via (so it reaches the same server transaction). */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.get('Via');
  if (topVia !== undefined) headers.append('Via', topVia);
  for (const route of invite.headers.getAll('Route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  for (const name of ['From', 'To', 'Call-ID'] as const) headers.append(name, invite.headers.get(name) ?? '');
  headers.append('CSeq', `${cseqOf(invite).seq} CANCEL`);
  return { type: 'request', method: 'CANCEL', uri: invite.uri, headers, body: Buffer.alloc(0) };
}
