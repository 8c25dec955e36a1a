// The audio the built-in endpoints play, read once at start: IVR prompts and queue hold music by DN, and the simulated parties' media behaviours.

import type { PbxConfig } from '../config/types.js';
import { PartyMediaStore } from './party-media.js';
import { generatedHoldMusic, generatedIvrPrompt, loadWavFile } from './prompts.js';

/**
 * Decoded PCM for every configured IVR prompt and queue hold music (a file that cannot be read is reported once,
 * here, and the generated default plays instead), and the store of the simulated parties' media behaviours.
 * Handed to the endpoints when they are built; they choose from it, the media engine only plays what they choose.
 */
export class EndpointAudio {
  readonly partyMedia: PartyMediaStore;
  private readonly prompts = new Map<string, Int16Array>();
  private readonly music = new Map<string, Int16Array>();

  constructor(config: Pick<PbxConfig, 'ivrs' | 'queues'>, onError: (error: unknown, context: string) => void, partyMedia: PartyMediaStore = new PartyMediaStore()) {
    this.partyMedia = partyMedia;
    const load = (path: string | null, fallback: () => Int16Array, what: string): Int16Array => {
      if (path === null) return fallback();
      try {
        return loadWavFile(path);
      } catch (error) {
        onError(error, `${what}: playing the generated default instead`);
        return fallback();
      }
    };
    for (const ivr of config.ivrs) this.prompts.set(ivr.number, load(ivr.prompt, generatedIvrPrompt, `IVR ${ivr.number} prompt`));
    for (const queue of config.queues) this.music.set(queue.number, load(queue.holdMusic, generatedHoldMusic, `queue ${queue.number} hold music`));
  }

  /** The menu prompt of IVR `dn` (shared: do not modify); the generated one for an IVR not configured. */
  ivrPrompt(dn: string): Int16Array {
    return this.prompts.get(dn) ?? generatedIvrPrompt();
  }

  /** The hold music of queue `dn` (shared: do not modify); the generated one for a queue not configured. */
  holdMusic(dn: string): Int16Array {
    return this.music.get(dn) ?? generatedHoldMusic();
  }
}
