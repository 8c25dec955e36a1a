// The DNs: kind, name, devices with their behaviour, registration and direct control; route point auto-answer.

import type { LiveDevice, LiveDn, LiveState } from '../../../src/client/live-protocol';
import type { Actions } from './actions';
import { behaviourFields, describeBehaviour } from './behaviour';
import { h, replaceKeepingFocus } from './dom';

const KIND_LABELS: Record<string, string> = { extension: 'Extension', routepoint: 'Route point', ivr: 'IVR', queue: 'Queue', externalline: 'Trunk' };

export class DnsView {
  private rendered = '';

  constructor(
    private readonly container: HTMLElement,
    private readonly actions: Actions,
  ) {}

  render(state: LiveState): void {
    // Only when they changed: a behaviour being edited is not reset by every call event.
    const text = JSON.stringify([state.dns, state.dids]);
    if (text === this.rendered) return;
    this.rendered = text;
    replaceKeepingFocus(this.container, state.dns.map((dn) => this.dn(dn, state)));
  }

  private dn(dn: LiveDn, state: LiveState): HTMLElement {
    const title = `dn-${dn.dn}-title`;
    const dids = state.dids.filter((did) => did.destination === dn.dn).map((did) => did.number);
    const trunkDids = dn.kind === 'externalline' ? state.dids.map((did) => `${did.number} → ${did.destination}`) : [];
    return h(
      'article',
      { class: 'dn-card', 'aria-labelledby': title, 'data-dn': dn.dn },
      h(
        'h3',
        { id: title },
        h('span', { class: 'dn' }, dn.dn),
        ' ',
        dn.name,
        ' ',
        h('span', { class: 'tag' }, KIND_LABELS[dn.kind] ?? dn.kind),
        dids.length > 0 ? h('span', { class: 'subtle' }, ` DID ${dids.join(', ')}`) : null,
      ),
      trunkDids.length > 0 ? h('p', { class: 'subtle' }, `DIDs: ${trunkDids.join(' · ')}`) : null,
      dn.autoAnswer !== null ? this.autoAnswer(dn) : null,
      dn.kind === 'extension'
        ? dn.devices.length > 0
          ? h('ul', { class: 'devices' }, ...dn.devices.map((device) => this.device(dn, device)))
          : h('p', { class: 'empty' }, 'No phones.')
        : null,
    );
  }

  private autoAnswer(dn: LiveDn): HTMLElement {
    const id = `auto-answer-${dn.dn}`;
    const box = h('input', { type: 'checkbox', id, 'data-key': id, checked: dn.autoAnswer === true });
    box.addEventListener('change', () => void this.actions.run(`Auto-answer of ${dn.dn}`, () => this.actions.api.put(`/routepoints/${encodeURIComponent(dn.dn)}`, { autoAnswer: box.checked })));
    return h('p', {}, box, ' ', h('label', { for: id }, 'Answers calls at once (auto-answer)'));
  }

  private device(dn: LiveDn, device: LiveDevice): HTMLElement {
    const { api, run } = this.actions;
    const key = `device-${dn.dn}-${device.deviceId}`;
    const path = `/devices/${encodeURIComponent(dn.dn)}/${encodeURIComponent(device.deviceId)}`;
    const label = `phone ${device.userAgent || device.deviceId} of ${dn.dn}`;
    const behaviour = behaviourFields(key, device.behaviour ?? { kind: 'manual' });
    const form = h('form', { class: 'inline', 'aria-label': `Behaviour of ${label}` }, behaviour.element, h('button', { type: 'submit', 'data-key': `${key}-set` }, 'Set'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(`Behaviour of ${label}`, () => api.put(path, { behaviour: behaviour.value() }));
    });
    const directId = `${key}-direct`;
    const direct = h('input', { type: 'checkbox', id: directId, 'data-key': directId, checked: device.directControl });
    direct.addEventListener('change', () => void run(`Direct control of ${label}`, () => api.put(path, { directControl: direct.checked })));
    const registration = device.registered
      ? h('button', { type: 'button', 'data-key': `${key}-unregister`, onclick: () => void run(`Unregister ${label}`, () => api.delete(path)) }, 'Unregister')
      : h(
          'button',
          {
            type: 'button',
            'data-key': `${key}-register`,
            onclick: () =>
              void run(`Register ${label}`, () =>
                api.post(`/devices/${encodeURIComponent(dn.dn)}`, { id: device.deviceId, userAgent: device.userAgent, directControl: device.directControl, ...(device.behaviour ? { behaviour: device.behaviour } : {}) }),
              ),
          },
          'Register',
        );
    return h(
      'li',
      { class: device.registered ? 'device' : 'device offline' },
      h('span', { class: 'device-name' }, device.userAgent || device.deviceId, h('span', { class: 'subtle block' }, device.deviceId)),
      h('span', { class: 'tag' }, device.registered ? 'registered' : 'not registered'),
      device.behaviour ? h('span', { class: 'subtle' }, describeBehaviour(device.behaviour)) : null,
      form,
      h('span', { class: 'field-inline' }, direct, h('label', { for: directId }, 'direct control')),
      registration,
    );
  }
}
