// GET and POST /callcontrol/{dnnumber}/participants/{id}/stream: a participant's audio as raw PCM, in real time, both ways.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { CoreError, ErrorCodes } from '../../core/errors.js';
import type { MediaEngine, MediaTap, UploadOutcome } from '../../media/engine.js';
import { FRAME_BYTES, FRAME_SAMPLES, encodeS16le } from '../../media/format.js';
import { MEDIA_MAX_CATCHUP_FRAMES, STREAM_MAX_UNSENT_BYTES } from '../../limits.js';
import type { Pbx } from '../../core/pbx.js';
import type { ApplicationConfig } from '../../config/types.js';
import { CALL_CONTROL_DOC, applicationOf, type ApiInstance, type CallControlContext } from '../context.js';
import { ApiError, ApiErrorCodes } from '../errors.js';
import { parseParticipantId } from '../ids.js';
import { ParticipantParams, ResultSchema, resultErrors, type ResultBody } from '../schemas.js';
import { successBody } from '../wire.js';

const PCM_TEXT = 'Raw PCM: signed 16-bit little-endian, 8000 Hz, mono (16,000 bytes/s), no header.';

/** The 200 of GET .../stream in the OpenAPI document (the body is written raw, never serialised). */
const PcmStream = {
  description: `${PCM_TEXT} Chunked, in real time, until the participant leaves.`,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
};

/** Bytes of a chunk header: every chunk is 1 to MEDIA_MAX_CATCHUP_FRAMES frames, 0x140-0xc80 bytes, three hex digits. */
const CHUNK_HEAD_BYTES = 5;
const CRLF = 0x0a0d; // "\r\n" as a little-endian uint16

/**
 * A GET reader: frames are staged (pre-allocated; several when the media clock catches up) and written as one chunk
 * per wake-up of the clock. A reader that does not keep up loses audio instead of growing memory: while more than
 * STREAM_MAX_UNSENT_BYTES wait unsent, new frames are skipped (its stream jumps forward when it catches up).
 *
 * Hot path (one write per reader every 20 ms): on a chunked response the chunk is framed here (size line, data, CRLF)
 * and written to the socket in one buffer with one write, instead of res.write's three pieces through the HTTP layer
 * (cork, writev, uncork on the next tick). res.end() still writes the last chunk. Other responses (not chunked, not on a
 * real socket, or with bytes still held by the response) use res.write. res.writableLength counts the socket's queue too.
 */
class HttpStreamTap implements MediaTap {
  private readonly staging = Buffer.allocUnsafe(MEDIA_MAX_CATCHUP_FRAMES * FRAME_BYTES);
  private staged = 0;
  /** Frames skipped because the reader was behind. */
  skippedFrames = 0;

  constructor(private readonly res: ServerResponse) {}

  frame(samples: Int16Array): void {
    if (this.staged + FRAME_BYTES > this.staging.length || this.res.writableLength > STREAM_MAX_UNSENT_BYTES) {
      this.skippedFrames++;
      return;
    }
    encodeS16le(samples, 0, this.staging, this.staged, FRAME_SAMPLES);
    this.staged += FRAME_BYTES;
  }

  flush(): void {
    const staged = this.staged;
    if (staged === 0) return;
    this.staged = 0;
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    const socket = res.socket;
    // The socket may hold a chunk until it is sent, so each write gets its own (small, pool-allocated) buffer.
    if (socket instanceof Socket && (res as { chunkedEncoding?: boolean }).chunkedEncoding === true && res.headersSent && !socket.destroyed && socket.writableLength === res.writableLength) {
      const chunk = Buffer.allocUnsafe(CHUNK_HEAD_BYTES + staged + 2);
      chunk.write(staged.toString(16).padStart(3, '0'), 0, 'latin1');
      chunk.writeUInt16LE(CRLF, 3);
      this.staging.copy(chunk, CHUNK_HEAD_BYTES, 0, staged);
      chunk.writeUInt16LE(CRLF, CHUNK_HEAD_BYTES + staged);
      socket.write(chunk);
      return;
    }
    const chunk = Buffer.allocUnsafe(staged);
    this.staging.copy(chunk, 0, 0, staged);
    res.write(chunk);
  }

  end(): void {
    this.flush();
    if (!this.res.writableEnded) this.res.end();
  }
}

/**
 * 404 when the DN has no such participant; 424 StreamNotAllowed for a participant of a monitored DN (3CX serves
 * streams only on the application's own route point) unless the application's streamMonitoredDns allows it;
 * 424 NotConnected while it is not Connected (no audio yet).
 */
function requireAudio(pbx: Pbx, media: MediaEngine, application: ApplicationConfig, dn: string, id: number): void {
  const participant = pbx.getParticipant(dn, id);
  if (dn !== application.clientId && application.streamMonitoredDns !== true) {
    throw new ApiError(
      ApiErrorCodes.STREAM_NOT_ALLOWED,
      `participant ${id} is on DN ${dn}, which application ${application.clientId} monitors: audio streams are served only for participants of its own route point ${application.clientId} (applications[].streamMonitoredDns allows monitored DNs)`,
    );
  }
  if (participant.status !== 'Connected' || !media.hasPort(id)) {
    throw new ApiError(ApiErrorCodes.NOT_CONNECTED, `participant ${id} is ${participant.status}: its audio stream opens once it is Connected`);
  }
}

function uploadText(outcome: UploadOutcome, bytes: number): string {
  switch (outcome) {
    case 'played':
      return `the upload played to the end (${bytes} bytes)`;
    case 'replaced':
      return `a newer upload replaced this one after ${bytes} bytes`;
    case 'left':
      return `the participant left after ${bytes} bytes of the upload`;
    case 'stopped':
      return 'the server is shutting down';
    default: {
      const unreachable: never = outcome;
      return String(unreachable);
    }
  }
}

/** Registers the two stream routes in their own scope: the POST body is read here, raw, never by a content-type parser. */
export async function streamRoutes(app: ApiInstance, context: CallControlContext): Promise<void> {
  // Whatever the content type (application/octet-stream, audio/wav, none), the body stays an unread stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  registerReadStream(app, context);
  registerWriteStream(app, context);
}

/** GET .../stream: a chunked response of what the participant hears, through an {@link HttpStreamTap}. */
function registerReadStream(app: ApiInstance, context: CallControlContext): void {
  const { pbx, media, streams } = context;
  app.get(
    '/:dnnumber/participants/:id/stream',
    {
      exposeHeadRoute: false,
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'readParticipantStream',
        summary: 'Listen to a participant: what reaches it from the rest of the call',
        description:
          `${PCM_TEXT} A chunked response carrying, in real time, the audio this participant hears, until it leaves (then the response ends). ` +
          'Several readers may listen at once. A reader that falls more than 1 s behind loses audio rather than delay it. ' +
          '404 for an unknown participant, 424 StreamNotAllowed for a participant of a monitored DN (only the application\'s own route point has streams, ' +
          'unless applications[].streamMonitoredDns allows it), 424 NotConnected while it is Ringing or Dialing (retry), ' +
          '429 TooManyStreams beyond 16 readers on the participant or 4,096 open streams for the application.',
        params: ParticipantParams,
        response: { 200: PcmStream, ...resultErrors(401, 403, 404, 424, 429) },
      },
    },
    async (request, reply) => {
      const { dnnumber } = request.params;
      const id = parseParticipantId(dnnumber, request.params.id);
      requireAudio(pbx, media, applicationOf(request), dnnumber, id);
      const release = streams.acquire(applicationOf(request).clientId, 'read', media.tapCount(id));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.flushHeaders();
      const tap = new HttpStreamTap(res);
      const remove = media.addTap(id, tap);
      if (!remove) {
        release();
        res.end();
        return reply;
      }
      res.on('close', () => {
        remove();
        release();
      });
      return reply;
    },
  );
}

/** POST .../stream: the request body plays as the participant's voice; answered once it has played. */
function registerWriteStream(app: ApiInstance, context: CallControlContext): void {
  const { pbx, media, streams } = context;
  app.post(
    '/:dnnumber/participants/:id/stream',
    {
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'writeParticipantStream',
        summary: 'Speak as a participant: audio it sends to the rest of the call',
        description:
          `${PCM_TEXT} Chunked or fixed-length upload (Content-Type application/octet-stream; the bytes are never parsed, so a WAV header plays as a click). ` +
          'It plays at real time whatever rate it arrives at: up to 5 s ahead is buffered, beyond that the server stops reading until 2 s are left (back-pressure). ' +
          'A new upload replaces the one in progress. The upload may end with its last chunk or by aborting the connection; once its audio has played, ' +
          'the participant gets a PromptPlaybackFinished event and the response (200) is sent. 404 for an unknown participant, ' +
          '424 StreamNotAllowed for a participant of a monitored DN (unless applications[].streamMonitoredDns), 424 NotConnected while it is not Connected, ' +
          '429 TooManyStreams beyond 4,096 open streams for the application.',
        params: ParticipantParams,
        response: { 200: ResultSchema, ...resultErrors(401, 403, 404, 424, 429) },
      },
    },
    async (request, reply) => {
      const { dnnumber } = request.params;
      const id = parseParticipantId(dnnumber, request.params.id);
      requireAudio(pbx, media, applicationOf(request), dnnumber, id);
      const release = streams.acquire(applicationOf(request).clientId, 'write', 0);
      return receiveUpload(request.raw, reply, { dn: dnnumber, id }, context, release);
    },
  );
}

/** What answering an upload needs of its reply. */
interface UploadReply {
  hijack(): unknown;
  header(key: string, value: string): unknown;
}

/**
 * Feeds the request body to the participant's upload, pausing the request while the upload is full, and resolves
 * with the answer once the upload is done (or with the hijacked reply when nobody is left to answer).
 */
function receiveUpload<Reply extends UploadReply>(raw: IncomingMessage, reply: Reply, target: { dn: string; id: number }, context: CallControlContext, release: () => void): Promise<ResultBody | Reply> {
  const { pbx, media } = context;
  const { id } = target;
  return new Promise<ResultBody | Reply>((resolve, reject) => {
    let ended = false; // the body arrived in full (last chunk, or Content-Length reached)
    let aborted = false; // the client went away first
    const onData = (chunk: Buffer) => {
      if (!upload.push(chunk)) raw.pause();
    };
    const onEnd = () => {
      ended = true;
      upload.end();
    };
    const onClose = () => {
      if (ended) return;
      aborted = true; // what arrived still plays, then PromptPlaybackFinished
      upload.end();
    };
    const opened = media.openUpload(id, {
      drain: () => raw.resume(),
      done: (outcome) => {
        release();
        raw.off('data', onData);
        raw.off('end', onEnd);
        raw.off('close', onClose);
        if (aborted || (outcome === 'stopped' && !ended)) {
          reply.hijack(); // nobody to answer, or the server is closing under a client still sending
          if (!ended) raw.destroy();
          resolve(reply);
          return;
        }
        if (!ended) {
          // Replaced, or the participant left, while the client is still sending: answer now, discard the rest.
          reply.header('connection', 'close');
          raw.resume();
        }
        const participant = outcome === 'left' || outcome === 'stopped' ? undefined : pbx.participantDetail(id);
        resolve(successBody(participant, uploadText(outcome, upload.receivedBytes)));
      },
    });
    if (!opened) {
      release();
      reject(new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `DN ${target.dn} has no participant ${id}`));
      return;
    }
    const upload = opened;
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('close', onClose);
    if (raw.destroyed) {
      // The client sent its upload and closed the connection while the request was still being authenticated:
      // what arrived waits in the request's buffer, and plays like any upload ended by a closed socket.
      for (let chunk: unknown = raw.read(); chunk !== null; chunk = raw.read()) upload.push(chunk as Buffer);
      onClose();
    }
  });
}
