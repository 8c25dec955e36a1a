// A third-party client's view of the API: HTTP requests over http:// or https:// (trusting a given CA), with a token.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One way to reach the server: a base URL and the WebSocket base derived from it the way clients do. */
export interface Endpoint {
  /** 'https' or 'http': the name the cases are filed under. */
  scheme: 'https' | 'http';
  /** e.g. https://localhost:5001 (no trailing slash). */
  base: string;
  /** wss:// for https, ws:// for http. */
  wsBase: string;
  /** PEM of the CA to trust (undefined: the system store and NODE_EXTRA_CA_CERTS). */
  ca: string | undefined;
}

export function endpointOf(base: string, ca: string | undefined): Endpoint {
  const url = new URL(base);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${base}: base URLs are http:// or https://`);
  const trimmed = base.replace(/\/+$/, '');
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  return { scheme, base: trimmed, wsBase: trimmed.replace(/^http/, 'ws'), ca };
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  bytes: Buffer;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  json: unknown;
}

export interface SendOptions {
  headers?: Record<string, string>;
  /** Sent as is. */
  body?: string | Buffer;
}

/** Starts a request (the caller writes and ends it); the response arrives on the 'response' event. */
export function startRequest(endpoint: Endpoint, method: string, path: string, headers: Record<string, string> = {}): ClientRequest {
  const url = new URL(endpoint.base);
  const options: RequestOptions & { ca?: string } = {
    method,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    // Paths are sent as given (device ids raw or percent-encoded are a case of their own).
    path,
    headers,
    agent: false,
  };
  if (endpoint.scheme === 'https') {
    options.ca = endpoint.ca;
    // SNI and certificate name check against the host of the base URL.
    (options as { servername?: string }).servername = url.hostname;
    return httpsRequest(options);
  }
  return httpRequest(options);
}

export function responseOf(request: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
}

export async function readAll(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** No answer within this much real time fails the case instead of hanging it (outcomes on PBX time come when driven). */
const RESPONSE_TIMEOUT_MS = 10_000;

export async function send(endpoint: Endpoint, method: string, path: string, options: SendOptions = {}): Promise<HttpResponse> {
  const request = startRequest(endpoint, method, path, options.headers);
  request.setTimeout(RESPONSE_TIMEOUT_MS, () => request.destroy(new Error(`${method} ${path}: no response within ${RESPONSE_TIMEOUT_MS} ms`)));
  const responded = responseOf(request);
  request.end(options.body);
  const response = await responded;
  const bytes = await readAll(response);
  const text = bytes.toString('utf8');
  return { status: response.statusCode ?? 0, headers: response.headers, text, bytes, json: parse(text) };
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** The token request every vendor client sends: urlencoded client credentials. */
export function tokenForm(credentials: Credentials): string {
  return new URLSearchParams({ client_id: credentials.clientId, client_secret: credentials.clientSecret, grant_type: 'client_credentials' }).toString();
}

/** An application's session on one endpoint: a cached bearer token and JSON requests. */
export class Api {
  private cached: string | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly credentials: Credentials,
  ) {}

  async token(): Promise<string> {
    if (this.cached) return this.cached;
    const response = await send(this.endpoint, 'POST', '/connect/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: tokenForm(this.credentials) });
    if (response.status !== 200) throw new Error(`token request answered ${response.status}: ${response.text}`);
    this.cached = (response.json as { access_token: string }).access_token;
    return this.cached;
  }

  /** Forgets the cached token (after a case made it expire). */
  forgetToken(): void {
    this.cached = undefined;
  }

  async auth(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token()}` };
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return send(this.endpoint, 'GET', path, { headers: { ...(await this.auth()), ...headers } });
  }

  /** POST with a JSON body (`application/json; charset=utf-8`, as the vendor's clients send it), or no body at all. */
  async post(path: string, body?: unknown): Promise<HttpResponse> {
    const headers = await this.auth();
    if (body === undefined) return send(this.endpoint, 'POST', path, { headers });
    return send(this.endpoint, 'POST', path, { headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) });
  }

  /** POST with the given raw body and headers (plus the bearer token). */
  async postRaw(path: string, body: string | Buffer | undefined, headers: Record<string, string>): Promise<HttpResponse> {
    return send(this.endpoint, 'POST', path, { headers: { ...(await this.auth()), ...headers }, body });
  }
}
