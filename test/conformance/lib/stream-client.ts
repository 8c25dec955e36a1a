// GET / POST .../stream as clients use them: chunked both ways, the three ways an upload ends, readers that leave early.

import type { IncomingMessage } from 'node:http';
import type { Case } from './context.js';
import { startRequest, responseOf, readAll, type HttpResponse } from './http.js';

export interface Listening {
  response: IncomingMessage;
  chunks: Buffer[];
  bytes(): number;
  /** Resolves when the response ends (the participant left). */
  ended: Promise<void>;
}

/** Opens GET .../stream and collects what it carries. */
export async function listen(c: Case, entity: string): Promise<Listening> {
  const request = startRequest(c.endpoint, 'GET', `${entity}/stream`, await c.api.auth());
  const responded = responseOf(request);
  request.end();
  const response = await responded;
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    response.once('end', () => resolve());
    response.once('error', reject);
  });
  ended.catch(() => {});
  return { response, chunks, bytes: () => chunks.reduce((sum, chunk) => sum + chunk.length, 0), ended };
}

export type UploadEnd = 'final-chunk' | 'content-length' | 'abort';

export interface Upload {
  /** The response, once it comes (never for an aborted upload). */
  response: Promise<HttpResponse>;
  /** Set when the response has arrived. */
  done: { value: boolean };
}

/** POSTs `audio` to .../stream in 4 writes, ended as `how` says (chunked with its final chunk, fixed length, or the socket destroyed). */
export async function upload(c: Case, entity: string, audio: Buffer, how: UploadEnd): Promise<Upload> {
  const headers: Record<string, string> = { ...(await c.api.auth()), 'content-type': 'application/octet-stream' };
  if (how === 'content-length') headers['content-length'] = String(audio.length);
  const request = startRequest(c.endpoint, 'POST', `${entity}/stream`, headers);
  const done = { value: false };
  const response = responseOf(request).then(async (res) => {
    const bytes = await readAll(res);
    done.value = true;
    const text = bytes.toString('utf8');
    return { status: res.statusCode ?? 0, headers: res.headers, text, bytes, json: JSON.parse(text) as unknown };
  });
  response.catch(() => {});
  const quarter = Math.ceil(audio.length / 4);
  for (let at = 0; at < audio.length; at += quarter) {
    await new Promise<void>((resolve, reject) => request.write(audio.subarray(at, at + quarter), (error) => (error ? reject(error) : resolve())));
  }
  if (how === 'abort') request.destroy();
  else request.end();
  return { response, done };
}
