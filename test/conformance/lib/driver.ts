// The call driver: how the suite plays the people around the application (callers, phones) and lets time pass.

import { send, type Endpoint, type HttpResponse } from './http.js';

/** A person the driver plays: an external caller or callee, or an extension's phone leg. */
export interface Party {
  /** The driver's handle (Switchboard: the party's participant id on the trunk or extension). */
  id: number;
}

/**
 * Everything the suite needs from the world outside the application. Against Switchboard the /sim plane does it
 * ({@link SimDriver}); against a real PBX, implement it with SIP phones and trunks, or leave the driver out: cases
 * that need it are then skipped with a message.
 */
export interface CallDriver {
  readonly name: string;
  /** Ends every call and restores configured devices and settings (called before every case). */
  reset(): Promise<void>;
  /** `from` (an external number) dials `to` (a DID); resolves with the caller. */
  callIn(from: string, to: string): Promise<Party>;
  /** The party hangs up. */
  hangup(party: Party): Promise<void>;
  /** The party answers its ringing phone. */
  answer(party: Party): Promise<void>;
  /** The party presses keys (signalled DTMF). */
  pressKeys(party: Party, digits: string): Promise<void>;
  /**
   * The party on the far side of the application's participant `participantId` (the external callee of a makecall,
   * the caller of a call the application answered). A ringing extension leg is itself a party: `{ id: participant id }`.
   */
  peerOf(participantId: number): Promise<Party>;
  /** Turns a route point's auto-answer on or off. */
  setAutoAnswer(dn: string, on: boolean): Promise<void>;
  /** Registers / unregisters a phone of an extension. */
  registerDevice(dn: string, deviceId: string): Promise<void>;
  unregisterDevice(dn: string, deviceId: string): Promise<void>;
  /** Lets `ms` of PBX time pass (ring timeouts, answer delays, audio), in steps of at most `stepMs`. */
  elapse(ms: number, stepMs?: number): Promise<void>;
  /** The party plays raw PCM (s16le, 8 kHz, mono) into its call. */
  playAudio(party: Party, pcm: Buffer): Promise<void>;
  /** Everything the party heard, raw PCM. */
  recording(party: Party): Promise<Buffer>;
  /** The data attached to a participant's connection (what other PBX components observe). */
  attachedData(participantId: number): Promise<Record<string, string>>;
  /** Why a participant that has left was removed (busy, no-answer, hangup...), as the PBX recorded it; undefined if unknown. */
  removalCause(participantId: number): Promise<string | undefined>;
}

/** Drives Switchboard through its /sim plane, over the network, with the admin key. */
export class SimDriver implements CallDriver {
  readonly name = 'Switchboard /sim';
  private fake: boolean | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly adminKey: string,
  ) {}

  private async sim(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<HttpResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.adminKey}` };
    if (body !== undefined) headers['content-type'] = contentType;
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    return send(this.endpoint, method, `/sim${path}`, { headers, body: payload });
  }

  private async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResponse> {
    const response = await this.sim(method, path, body, contentType);
    if (response.status >= 300) throw new Error(`/sim ${method} ${path} answered ${response.status}: ${response.text}`);
    return response;
  }

  async reset(): Promise<void> {
    await this.ok('POST', '/reset');
  }

  async callIn(from: string, to: string): Promise<Party> {
    const response = await this.ok('POST', '/calls', { from, to });
    return { id: (response.json as { partyId: number }).partyId };
  }

  async hangup(party: Party): Promise<void> {
    await this.ok('POST', `/parties/${party.id}/hangup`);
  }

  async answer(party: Party): Promise<void> {
    await this.ok('POST', `/parties/${party.id}/answer`);
  }

  async pressKeys(party: Party, digits: string): Promise<void> {
    await this.ok('POST', `/parties/${party.id}/dtmf`, { digits });
  }

  async peerOf(participantId: number): Promise<Party> {
    const peerId = (await this.simParticipant(participantId)).peerId;
    if (peerId === null) throw new Error(`participant ${participantId} talks to nobody`);
    return { id: peerId };
  }

  private async simParticipant(participantId: number): Promise<{ id: number; peerId: number | null; attachedData: Record<string, string> }> {
    const state = (await this.ok('GET', '/state')).json as { calls: { participants: { id: number; peerId: number | null; attachedData: Record<string, string> }[] }[] };
    const participant = state.calls.flatMap((call) => call.participants).find((p) => p.id === participantId);
    if (!participant) throw new Error(`participant ${participantId} is not in any call`);
    return participant;
  }

  async setAutoAnswer(dn: string, on: boolean): Promise<void> {
    await this.ok('PUT', `/routepoints/${encodeURIComponent(dn)}`, { autoAnswer: on });
  }

  async registerDevice(dn: string, deviceId: string): Promise<void> {
    await this.ok('POST', `/devices/${encodeURIComponent(dn)}`, { id: deviceId });
  }

  async unregisterDevice(dn: string, deviceId: string): Promise<void> {
    await this.ok('DELETE', `/devices/${encodeURIComponent(dn)}/${encodeURIComponent(deviceId)}`);
  }

  async elapse(ms: number, stepMs = ms): Promise<void> {
    this.fake ??= ((await this.ok('GET', '/clock')).json as { fake: boolean }).fake;
    if (!this.fake) {
      // A server on real time: time passes by itself. (The default suite run always uses the fake clock.)
      await new Promise((resolve) => setTimeout(resolve, ms));
      return;
    }
    for (let done = 0; done < ms; done += stepMs) await this.ok('POST', '/clock/advance', { ms: Math.min(stepMs, ms - done) });
  }

  async playAudio(party: Party, pcm: Buffer): Promise<void> {
    await this.ok('POST', `/parties/${party.id}/audio`, pcm, 'application/octet-stream');
  }

  async recording(party: Party): Promise<Buffer> {
    const response = await this.sim('GET', `/parties/${party.id}/recording?format=raw`);
    if (response.status !== 200) throw new Error(`no recording of party ${party.id}: ${response.status}`);
    return response.bytes;
  }

  async attachedData(participantId: number): Promise<Record<string, string>> {
    return (await this.simParticipant(participantId)).attachedData;
  }

  async removalCause(participantId: number): Promise<string | undefined> {
    const removals = (await this.ok('GET', '/removals')).json as { participantId: number; cause: string }[];
    return removals.findLast((r) => r.participantId === participantId)?.cause;
  }
}
