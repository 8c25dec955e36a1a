// The errors the SDK throws: a refused Call Control request, a refused /sim request, and a server that cannot be reached.

/**
 * The Call Control API (or its token endpoint) answered with an error status. `reason` is the result body's
 * `reason` code (`InvalidState`, `DestinationBusy`, ...) or, from `/connect/token`, the OAuth `error`
 * (`invalid_client`, ...); when the body has neither, the HTTP status text.
 */
export class CallControlError extends Error {
  override readonly name = 'CallControlError';
  /** HTTP status. */
  readonly status: number;
  readonly reason: string;
  /** The result body's `reasontext` (or the OAuth `error_description`). */
  readonly reasontext: string;
  /** The parsed body (or its text when it is not JSON; undefined when empty). */
  readonly body: unknown;
  /** `METHOD /path` of the request that failed. */
  readonly request: string;

  constructor(init: { status: number; reason: string; reasontext: string; body: unknown; request: string }) {
    super(`${init.request}: ${init.status} ${init.reason}${init.reasontext ? `: ${init.reasontext}` : ''}`);
    this.status = init.status;
    this.reason = init.reason;
    this.reasontext = init.reasontext;
    this.body = init.body;
    this.request = init.request;
  }
}

/** A /sim request was refused: `error` is the stable code (`ParticipantNotFound`, `InvalidState`, `Unauthorized`, ...). */
export class SimError extends Error {
  override readonly name = 'SimError';
  readonly status: number;
  readonly error: string;

  constructor(status: number, error: string, message: string) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

/** The request never got an HTTP answer: connection refused, unknown host, reset, TLS failure. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  /** The base URL that could not be reached. */
  readonly url: string;
  /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, ...). */
  readonly code: string | undefined;

  constructor(url: string, code: string | undefined, detail: string, cause: unknown) {
    super(`cannot reach ${url}: ${detail}`, { cause });
    this.url = url;
    this.code = code;
  }
}

const EXPLAINED: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
  UND_ERR_SOCKET: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the TLS certificate is self-signed and not trusted (set NODE_EXTRA_CA_CERTS)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the TLS certificate chain is not trusted (set NODE_EXTRA_CA_CERTS)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the TLS certificate cannot be verified (set NODE_EXTRA_CA_CERTS)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the TLS certificate does not name this host',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  EPROTO: 'TLS handshake failed',
};

// The system error code of a failed fetch or socket: fetch wraps it in `cause`, sometimes in an AggregateError.
function systemCode(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_INVALID_URL') return { code, message: (current as Error).message };
    if (current instanceof Error && current.message) message = current.message; // the innermost says most ('bad port')
    const inner = (current as { errors?: unknown[] }).errors;
    current = Array.isArray(inner) && inner.length > 0 ? inner[0] : (current as { cause?: unknown }).cause;
  }
  return { code: undefined, message };
}

/** A ConnectionError for a network failure, or undefined when `error` is something else (an abort, a bug). */
export function connectionErrorOf(url: string, error: unknown): ConnectionError | undefined {
  if (error instanceof ConnectionError) return error;
  if (!(error instanceof Error) || error.name === 'AbortError' || error.name === 'TimeoutError') return undefined;
  const { code, message } = systemCode(error);
  // fetch reports every network failure as TypeError('fetch failed'); ws as a plain Error with a code.
  if (code === undefined && !(error instanceof TypeError && error.message === 'fetch failed')) return undefined;
  return new ConnectionError(url, code, (code && EXPLAINED[code]) ?? message, error);
}

/** Runs fetch, turning network failures into ConnectionError (aborts and other errors pass through). */
export async function fetchOrExplain(fetchImpl: typeof fetch, baseUrl: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchImpl(url, init);
  } catch (error) {
    throw connectionErrorOf(baseUrl, error) ?? error;
  }
}

/** The body as JSON, its text when it is not JSON, undefined when empty. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A string property of a parsed body, if it has one. */
export function stringField(body: unknown, key: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
