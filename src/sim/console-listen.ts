// GET /sim/parties/{id}/listen: what a simulated party hears, as raw PCM in real time (the console's "Listen").

import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { ApiInstance } from '../api/context.js';
import { CoreError, ErrorCodes } from '../core/errors.js';
import type { Pbx } from '../core/pbx.js';
import { STREAM_MAX_UNSENT_BYTES } from '../limits.js';
import type { MediaEngine, MediaTap } from '../media/engine.js';
import { FRAME_BYTES, FRAME_SAMPLES, encodeS16le } from '../media/format.js';
import { SIM_DOC, SimErrorSchema } from './schemas.js';

/** Frames of one wake-up of the media clock, written as one chunk; skipped while the listener is over a second behind. */
class ListenTap implements MediaTap {
  private staged: Buffer[] = [];

  constructor(private readonly res: ServerResponse) {}

  frame(samples: Int16Array): void {
    if (this.res.writableLength > STREAM_MAX_UNSENT_BYTES) return;
    const bytes = Buffer.allocUnsafe(FRAME_BYTES);
    encodeS16le(samples, 0, bytes, 0, FRAME_SAMPLES);
    this.staged.push(bytes);
  }

  flush(): void {
    if (this.staged.length === 0) return;
    const chunk = this.staged.length === 1 ? this.staged[0]! : Buffer.concat(this.staged);
    this.staged = [];
    if (!this.res.destroyed && !this.res.writableEnded) this.res.write(chunk);
  }

  end(): void {
    this.flush();
    if (!this.res.writableEnded) this.res.end();
  }
}

/** Registers the route in the /sim scope (admin key, /sim errors): 404 for no such simulated party, 409 until it is Connected. */
export function registerListenRoute(app: ApiInstance, context: { pbx: Pbx; media: MediaEngine }): void {
  const { pbx, media } = context;
  app.get(
    '/parties/:id/listen',
    {
      exposeHeadRoute: false,
      schema: {
        ...SIM_DOC,
        operationId: 'simListenToParty',
        summary: 'Listen to a simulated party: what it hears, live',
        description: 'Raw PCM (s16le, 8000 Hz, mono), chunked, in real time until the party leaves. A listener over 1 s behind loses audio. 409 while the party is not Connected.',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,10}$' }) }),
        response: {
          200: { description: 'Raw PCM.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          ...Object.fromEntries([400, 401, 404, 409].map((status) => [status, SimErrorSchema])),
        },
      },
    },
    async (request, reply) => {
      const id = Number(request.params.id);
      const party = pbx.participantDetail(id);
      const kind = party ? pbx.dnKind(party.dn) : undefined;
      if (!party || (kind !== 'extension' && kind !== 'externalline')) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no simulated party ${request.params.id}`);
      if (!media.hasPort(id)) throw new CoreError(ErrorCodes.INVALID_STATE, `party ${id} is ${party.status}: it hears audio once Connected`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.flushHeaders();
      const remove = media.addTap(id, new ListenTap(res));
      if (!remove) {
        res.end();
        return reply;
      }
      res.on('close', remove);
      return reply;
    },
  );
}
