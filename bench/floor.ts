// The floor of the streams scenario: a minimal node:http server with no telephony that paces 320-byte chunks to every
// GET reader and drains every upload each 20 ms, on the same URLs as the Call Control streams. Whatever it spends on
// the same generator's traffic is the least any Node server can spend on it.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const FRAME_MS = 20;
const FRAME_BYTES = 320;
const STREAM_PATH = /^\/callcontrol\/[^/]+\/participants\/\d+\/stream$/;

export interface Floor {
  url: string;
  close(): Promise<void>;
}

/** Listens on `host` (a free port) and paces every reader from one timer, frames due by elapsed time (no drift). */
export async function startFloor(host: string): Promise<Floor> {
  const readers = new Set<ServerResponse>();
  const uploads = new Set<{ queued: number }>();
  const silence = Buffer.alloc(FRAME_BYTES * 8);
  const startedAt = performance.now();
  let framesSent = 0;
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - startedAt) / FRAME_MS) - framesSent;
    if (due <= 0) return;
    framesSent += due;
    const bytes = due * FRAME_BYTES;
    const chunk = bytes <= silence.length ? silence.subarray(0, bytes) : Buffer.alloc(bytes);
    for (const reader of readers) reader.write(chunk);
    for (const upload of uploads) upload.queued = Math.max(0, upload.queued - bytes);
  }, FRAME_MS);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!STREAM_PATH.test(req.url ?? '')) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      readers.add(res);
      res.on('close', () => readers.delete(res));
      return;
    }
    if (req.method === 'POST') {
      const upload = { queued: 0 };
      uploads.add(upload);
      req.on('data', (data: Buffer) => (upload.queued += data.length));
      req.on('end', () => {
        uploads.delete(upload);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
      req.on('close', () => uploads.delete(upload));
      return;
    }
    res.writeHead(405).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    async close() {
      clearInterval(timer);
      for (const reader of readers) reader.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
