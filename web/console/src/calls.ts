// The calls: one card per call, a row per participant, and the buttons that play each simulated party.

import type { LiveCall, LiveParticipant, LiveState } from '../../../src/client/live-protocol';
import type { Actions } from './actions';
import { elapsed, h, replaceKeepingFocus } from './dom';
import type { Listener } from './listen';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const TONE = { tone: 440, ms: 1000 };

export class CallsView {
  private readonly openKeypads = new Set<number>();
  private state: LiveState | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly actions: Actions,
    private readonly listener: Listener,
    /** PBX time now (ms), for the timers. */
    private readonly now: () => number,
  ) {}

  render(state: LiveState = this.state as LiveState): void {
    if (!state) return;
    this.state = state;
    const kinds = new Map(state.dns.map((dn) => [dn.dn, dn.kind]));
    const live = new Set(state.calls.flatMap((call) => call.participants.map((p) => p.id)));
    for (const id of this.openKeypads) if (!live.has(id)) this.openKeypads.delete(id);
    const cards = state.calls.map((call) => this.card(call, kinds));
    replaceKeepingFocus(this.container, cards.length > 0 ? cards : [h('p', { class: 'empty' }, 'No calls. Place one above, or let an application make one.')]);
    this.tick();
  }

  /** Updates every timer (time since the participant entered its status). */
  tick(): void {
    const now = this.now();
    for (const timer of this.container.querySelectorAll<HTMLElement>('[data-since]')) timer.textContent = elapsed(now - Number(timer.dataset.since));
  }

  private card(call: LiveCall, kinds: Map<string, string>): HTMLElement {
    const title = `call-${call.callId}-title`;
    return h(
      'article',
      { class: 'call', 'aria-labelledby': title, 'data-call': call.callId },
      h('header', {}, h('h3', { id: title }, `Call ${call.callId}`), call.did ? h('span', { class: 'subtle' }, `DID ${call.did}`) : null),
      h(
        'table',
        { class: 'participants' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Participant', 'Status', 'Party', 'Caller ID', 'Direct control', 'For', 'Actions'].map((label) => h('th', { scope: 'col' }, label))),
        ),
        h('tbody', {}, ...call.participants.map((p) => this.row(p, kinds.get(p.dn) ?? ''))),
      ),
    );
  }

  private row(p: LiveParticipant, kind: string): HTMLElement {
    const simulated = kind === 'extension' || kind === 'externalline';
    const party = [p.partyCallerName, p.partyCallerId || p.partyDn].filter(Boolean).join(' ');
    return h(
      'tr',
      { 'data-participant': p.id, 'data-dn': p.dn },
      h(
        'th',
        { scope: 'row' },
        h('span', { class: 'dn' }, p.dn),
        ' ',
        p.name,
        h('span', { class: 'subtle block' }, `participant ${p.id} · ${kindLabel(kind)}${p.deviceId ? ` · ${p.deviceId}` : ''}`),
      ),
      h('td', {}, h('span', { class: `status status-${p.status.toLowerCase()}`, 'data-status': p.status }, p.status), p.held ? h('span', { class: 'tag' }, 'held') : null),
      h('td', {}, party || '–'),
      h('td', {}, p.number || '–'),
      h('td', {}, p.directControl ? 'yes' : 'no'),
      h('td', { class: 'timer' }, h('span', { 'data-since': p.since }, '')),
      h('td', { class: 'actions' }, ...(simulated ? this.partyActions(p) : [h('span', { class: 'subtle' }, 'driven by the PBX or its application')])),
    );
  }

  private partyActions(p: LiveParticipant): Node[] {
    const { api, run } = this.actions;
    const who = `party ${p.id} (${p.number || p.dn})`;
    const button = (label: string, action: string, onclick: () => void, extra: Record<string, string | boolean> = {}) =>
      h('button', { type: 'button', 'data-key': `${action}-${p.id}`, 'aria-label': `${label} as ${who}`, onclick, ...extra }, label);
    const act = (action: string, label: string) => button(label, action, () => void run(`${label} (${who})`, () => api.post(`/parties/${p.id}/${action}`)));
    const nodes: Node[] = [];
    if (p.status === 'Ringing') nodes.push(act('answer', 'Answer'), act('reject', 'Reject'), act('busy', 'Busy'));
    nodes.push(act('hangup', 'Hang up'));
    if (p.status !== 'Connected') return nodes;

    const open = this.openKeypads.has(p.id);
    const keypadId = `keypad-${p.id}`;
    nodes.push(
      button('Keypad', 'keypad', () => this.toggleKeypad(p.id), { 'aria-expanded': String(open), 'aria-controls': keypadId }),
      button('Tone', 'tone', () => void run(`Tone (${who})`, () => api.post(`/parties/${p.id}/audio`, TONE)), { title: `Plays ${TONE.tone} Hz for ${TONE.ms / 1000} s` }),
    );
    const file = h('input', { type: 'file', accept: 'audio/wav,audio/x-wav,.wav', class: 'visually-hidden', 'data-key': `wav-${p.id}`, 'aria-label': `Play a WAV file as ${who}` });
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      if (chosen) void run(`WAV (${who})`, () => api.upload(`/parties/${p.id}/audio`, chosen, 'audio/wav'));
    });
    nodes.push(h('label', { class: 'button' }, 'WAV…', file));
    const listening = this.listener.partyId === p.id;
    nodes.push(
      button(listening ? 'Stop listening' : 'Listen', 'listen', () => (listening ? this.listener.stop() : void run(`Listen (${who})`, () => this.listener.start(p.id))), {
        'aria-pressed': String(listening),
      }),
    );
    if (open) {
      nodes.push(
        h(
          'div',
          { id: keypadId, class: 'keypad', role: 'group', 'aria-label': `Keypad of ${who}` },
          ...KEYS.map((key) =>
            h('button', { type: 'button', 'data-key': `key-${p.id}-${key}`, 'aria-label': `Press ${key}`, onclick: () => void run(`Key ${key} (${who})`, () => api.post(`/parties/${p.id}/dtmf`, { digits: key })) }, key),
          ),
        ),
      );
    }
    return nodes;
  }

  private toggleKeypad(id: number): void {
    if (!this.openKeypads.delete(id)) this.openKeypads.add(id);
    this.render();
  }
}

function kindLabel(kind: string): string {
  const labels: Record<string, string> = { extension: 'phone', externalline: 'external', routepoint: 'route point', ivr: 'IVR', queue: 'queue' };
  return labels[kind] ?? kind;
}
