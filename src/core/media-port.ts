// The seam between an endpoint and the media engine: the audio one leg sends and hears, one 20 ms frame at a time.

/**
 * The audio at the end of one leg, supplied by its endpoint (`Endpoint.media`) when the leg needs audio. The media
 * engine drives every port from its one clock: each tick it asks each port for the frame the leg sends, then gives it
 * the frame the leg hears. Frames are 20 ms of 8 kHz mono signed 16-bit PCM (160 samples). `produce` and `hear` run on
 * the media clock for every leg every 20 ms: they must not block, allocate, or call into the core.
 */
export interface MediaPort {
  /** Whether the port has audio of its own to send now (a prompt, a tone, music, an echo); false while silent or once its audio ended. */
  readonly sending: boolean;
  /**
   * Whether it makes sound by itself now, so the media clock must run for it. An echo only returns what it hears
   * (false): while nobody talks to it the clock may sleep.
   */
  readonly producing: boolean;
  /** Run DTMF detection on what the leg hears: a key found there is pressed on the far party's leg (route points, IVRs). */
  readonly detectsDtmf?: boolean;
  /** Record what the leg hears (simulated parties); the recording is kept a while after the leg leaves. */
  readonly records?: boolean;
  /** The delay, in ms, after which the port returns what it heard (an echo): the clock runs that long past the last sound. */
  readonly echoDelayMs?: number;
  /** Fills `frame` with the next 20 ms the leg sends. False when it has nothing (then the leg sends silence). */
  produce(frame: Int16Array): boolean;
  /** The 20 ms the leg hears this tick. The array belongs to the engine and is reused: copy what you keep. */
  hear?(frame: Int16Array): void;
  /** Frames went by that the port was not given (the clock slept while all was silent): forget what it heard. */
  skipped?(): void;
  /** Called once when the engine starts carrying the port: call `wake` when the port starts producing while the clock may sleep. */
  start?(wake: () => void): void;
  /** The leg has no audio any more (it left, or the engine stopped); the port is not called again. */
  close(): void;
}
