// The event log: every frame applications see, newest at the bottom, filterable by DN and type.

import type { LiveFrame } from '../../../src/client/live-protocol';
import { h, localTime } from './dom';

const TYPE_NAMES: Record<number, string> = { 0: 'Upsert', 1: 'Remove', 2: 'DTMFstring', 3: 'PromptPlaybackFinished', 4: 'Response' };
/** Rows kept: the oldest go first. */
const MAX_ROWS = 1000;

export class EventLog {
  private lastSequence = 0;
  private readonly dns = new Set<string>();

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly scroller: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly dnFilter: HTMLSelectElement,
    private readonly typeFilter: HTMLSelectElement,
  ) {
    dnFilter.addEventListener('change', () => this.applyFilters());
    typeFilter.addEventListener('change', () => this.applyFilters());
  }

  /** Offers these DNs in the filter (besides those seen in frames). */
  knowDns(dns: string[]): void {
    for (const dn of dns) this.addDnOption(dn);
  }

  /** Appends frames not shown yet (a snapshot after a reconnect repeats some). */
  append(frames: LiveFrame[]): void {
    const fresh = frames.filter((frame) => frame.sequence > this.lastSequence);
    if (fresh.length === 0) return;
    const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 24;
    for (const frame of fresh) {
      this.addDnOption(frame.dn);
      this.body.append(this.row(frame));
    }
    this.lastSequence = fresh[fresh.length - 1]!.sequence;
    while (this.body.rows.length > MAX_ROWS) this.body.rows[0]!.remove();
    this.empty.hidden = true;
    if (atBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  clear(): void {
    this.body.replaceChildren();
    this.empty.hidden = false;
  }

  /** The server restarted: its sequence starts again. */
  restart(): void {
    this.lastSequence = 0;
  }

  private row(frame: LiveFrame): HTMLTableRowElement {
    // The last column: the digits of a DTMFstring, or why a removed participant left.
    const dtmf = frame.eventType === 2 ? String((frame.attachedData as { dtmf_input?: string } | null)?.dtmf_input ?? '') : (frame.cause ?? '');
    const row = h(
      'tr',
      { 'data-dn': frame.dn, 'data-type': frame.eventType, class: `event-${frame.eventType}` },
      h('td', {}, h('time', { datetime: new Date(frame.at).toISOString() }, localTime(frame.at))),
      h('td', { class: 'num' }, String(frame.sequence)),
      h('td', {}, TYPE_NAMES[frame.eventType] ?? String(frame.eventType)),
      h('td', { class: 'entity' }, frame.entity),
      h('td', { class: 'dtmf' }, dtmf),
    );
    row.hidden = !this.matches(row);
    return row;
  }

  private matches(row: HTMLTableRowElement): boolean {
    return (this.dnFilter.value === '' || row.dataset.dn === this.dnFilter.value) && (this.typeFilter.value === '' || row.dataset.type === this.typeFilter.value);
  }

  private applyFilters(): void {
    for (const row of this.body.rows) row.hidden = !this.matches(row);
  }

  private addDnOption(dn: string): void {
    if (this.dns.has(dn)) return;
    this.dns.add(dn);
    const options = [...this.dnFilter.options].slice(1);
    const before = options.find((option) => option.value.localeCompare(dn, undefined, { numeric: true }) > 0);
    this.dnFilter.insertBefore(h('option', { value: dn }, dn), before ?? null);
  }
}
