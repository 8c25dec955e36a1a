// Finds the media engine carrying a PBX's audio, for endpoints that play into their own legs (the IVR's prompt).

/** What an endpoint may ask of the media engine about its own leg. Every method is a no-op for a leg without audio. */
export interface LegMedia {
  /** Plays the endpoint's prompt on the leg from the start (the IVR menu), replacing one that is playing. */
  playPrompt(participantId: number): void;
  /** Stops the prompt playing on the leg, if any (a key was pressed). */
  stopPrompt(participantId: number): void;
}

// Keyed by the PBX object: endpoints hold their PBX, and the media engine is built after the endpoints (in the API
// composition), so it cannot be handed to them at construction. One engine per PBX; none in core-only tests.
const engines = new WeakMap<object, LegMedia>();

/** Makes `media` the engine of `pbx` (replacing any other). */
export function attachLegMedia(pbx: object, media: LegMedia): void {
  engines.set(pbx, media);
}

/** Forgets the engine of `pbx` if it is `media`. */
export function detachLegMedia(pbx: object, media: LegMedia): void {
  if (engines.get(pbx) === media) engines.delete(pbx);
}

/** The media engine of `pbx`, or undefined when its calls carry no audio (a PBX without the API, as in core tests). */
export function legMediaOf(pbx: object): LegMedia | undefined {
  return engines.get(pbx);
}
