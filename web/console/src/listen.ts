// Hear what a party hears: GET /sim/parties/{id}/listen (raw s16le PCM, 8 kHz, mono) played with Web Audio.

import type { SimApi } from './api';

const SAMPLE_RATE_HZ = 8000;
/** Audio is scheduled this far ahead, to ride out network jitter. */
const LEAD_SECONDS = 0.15;

export class Listener {
  private controller: AbortController | undefined;
  private context: AudioContext | undefined;
  /** The party being listened to, if any. */
  partyId: number | undefined;

  constructor(
    private readonly api: SimApi,
    private readonly onChange: () => void,
  ) {}

  /** Starts listening to `partyId` (stopping any other); rejects when the stream cannot be opened. */
  async start(partyId: number): Promise<void> {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    this.partyId = partyId;
    // Created in the click that asked for it, so the browser lets it play.
    const context = new AudioContext();
    this.context = context;
    this.onChange();
    try {
      const response = await this.api.open(`/parties/${partyId}/listen`, controller.signal);
      if (!response.body) throw new Error('the browser cannot read streamed responses');
      await this.play(response.body.getReader(), context);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      if (this.controller === controller) this.stop();
    }
  }

  stop(): void {
    if (this.controller === undefined) return;
    this.controller.abort();
    void this.context?.close();
    this.controller = undefined;
    this.context = undefined;
    this.partyId = undefined;
    this.onChange();
  }

  private async play(reader: ReadableStreamDefaultReader<Uint8Array>, context: AudioContext): Promise<void> {
    let at = 0;
    let odd: number | undefined; // a sample's first byte, when a chunk split it
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let bytes = value;
      if (odd !== undefined) {
        bytes = new Uint8Array(value.length + 1);
        bytes[0] = odd;
        bytes.set(value, 1);
        odd = undefined;
      }
      const count = bytes.length >> 1;
      if (bytes.length % 2 === 1) odd = bytes[bytes.length - 1];
      if (count === 0) continue;
      const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
      const buffer = context.createBuffer(1, count, SAMPLE_RATE_HZ);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < count; i++) channel[i] = view.getInt16(i * 2, true) / 32768;
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      at = Math.max(at, context.currentTime + LEAD_SECONDS);
      source.start(at);
      at += buffer.duration;
    }
  }
}
