// Via header values (RFC 3261 §20.42, §18.2.1): sent-protocol, sent-by and the branch, received and rport parameters.

import { clip, formatParams, parseParams, type SipParams } from './grammar.js';
import { fail } from './errors.js';

/** The RFC 3261 branch prefix: a branch starting with it identifies the transaction by itself (§17.2.3). */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  /** Protocol name and version, upper-cased: normally SIP and 2.0. */
  protocol: string;
  version: string;
  /** Transport, upper-cased: UDP, TCP, TLS, SCTP, WS... */
  transport: string;
  host: string;
  port?: number;
  params: SipParams;
}

const VIA_RE = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?:[ \t]*:[ \t]*([0-9]{1,5}))?(.*)$/s;

/** Parses one Via value (one hop of a comma-separated Via header). */
export function parseVia(value: string): Via {
  const m = VIA_RE.exec(value.trim());
  if (!m) fail('MALFORMED_HEADER', `bad Via: ${clip(value)}`);
  const [, protocol = '', version = '', transport = '', host = '', port, rest = ''] = m;
  const via: Via = { protocol: protocol.toUpperCase(), version, transport: transport.toUpperCase(), host, params: parseParams(rest, 'header') };
  if (port !== undefined) {
    if (Number(port) > 65535) fail('MALFORMED_HEADER', `bad Via port: ${clip(value)}`);
    via.port = Number(port);
  }
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocol}/${via.version}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

/** The branch parameter, or undefined when absent (RFC 2543 peers). */
export function viaBranch(via: Via): string | undefined {
  return via.params.get('branch') ?? undefined;
}

/** `host:port` of sent-by, the port defaulted by transport (5061 for TLS, 5060 otherwise), host lower-cased. */
export function viaSentBy(via: Via): string {
  const port = via.port ?? (via.transport === 'TLS' ? 5061 : 5060);
  return `${via.host.toLowerCase()}:${port}`;
}
