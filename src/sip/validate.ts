// Checks a parsed request against what this element supports (RFC 3261 §8.2.1-8.2.3), before any transaction user sees it.

import type { SipRequest } from './message.js';
import { isSipUri } from './uri.js';

export interface RequestPolicy {
  /** Methods the element implements; another is answered 501 (RFC 3261 §8.2.1). */
  methods: readonly string[];
  /** Option tags the element supports; a Require naming another is answered 420 (§8.2.2.3). */
  extensions: readonly string[];
  /** Body types understood; a body of another type is answered 415 with Accept (§8.2.3). */
  bodyTypes: readonly string[];
}

export interface Refusal {
  status: number;
  reason: string;
  /** Headers the answer must carry (Unsupported for 420, Accept for 415, Allow for 501). */
  headers: Array<[string, string]>;
}

/** The refusal a UAS owes `req`, or undefined when the request may proceed. ACK is never refused (it gets no response). */
export function checkRequest(req: SipRequest, policy: RequestPolicy): Refusal | undefined {
  if (req.method === 'ACK') return undefined;
  if (req.uri.scheme !== 'tel' && !isSipUri(req.uri)) return { status: 416, reason: 'Unsupported URI Scheme', headers: [] };
  if (isSipUri(req.uri) && req.uri.headers.length > 0) return { status: 400, reason: 'Headers Not Allowed In Request-URI', headers: [] };
  if (!policy.methods.includes(req.method)) return { status: 501, reason: 'Not Implemented', headers: [['Allow', policy.methods.join(', ')]] };
  if (req.method !== 'CANCEL') {
    const unknown = req.headers.getAll('Require').filter((tag) => !policy.extensions.includes(tag.toLowerCase()));
    if (unknown.length > 0) return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unknown.join(', ')]] };
  }
  if (req.body.length > 0) {
    const type = (req.headers.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!policy.bodyTypes.includes(type)) return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept', policy.bodyTypes.join(', ')]] };
  }
  return undefined;
}
