// The /sim control plane from the browser: every request carries the admin key in a header.

/** A refused or failed /sim request: `status` 0 when the server could not be reached. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Body = { json: unknown } | { blob: Blob; type: string };

export class SimApi {
  constructor(readonly key: string) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, json?: unknown): Promise<T> {
    return this.request<T>('POST', path, json === undefined ? undefined : { json });
  }

  put<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>('PUT', path, { json });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** Uploads a file as is (a WAV to play). */
  upload<T>(path: string, blob: Blob, type: string): Promise<T> {
    return this.request<T>('POST', path, { blob, type });
  }

  /** A raw GET (a stream to read), with the key; aborted through `signal`. */
  async open(path: string, signal: AbortSignal): Promise<Response> {
    const response = await this.fetch('GET', path, undefined, signal);
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  private async request<T>(method: string, path: string, body?: Body): Promise<T> {
    const response = await this.fetch(method, path, body);
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }

  private async fetch(method: string, path: string, body?: Body, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { 'x-switchboard-admin-key': this.key };
    let payload: BodyInit | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = body.type;
      payload = body.blob;
    }
    try {
      return await fetch(`/sim${path}`, { method, headers, body: payload, signal, cache: 'no-store' });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new SimError(0, 'Unreachable', 'the server cannot be reached');
    }
  }
}

async function errorOf(response: Response): Promise<SimError> {
  try {
    const body = (await response.json()) as { error?: string; message?: string };
    return new SimError(response.status, body.error ?? String(response.status), body.message ?? response.statusText);
  } catch {
    return new SimError(response.status, String(response.status), response.statusText || `HTTP ${response.status}`);
  }
}
