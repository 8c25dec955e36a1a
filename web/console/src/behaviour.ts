// The behaviour picker shared by phones and external numbers: a kind, and the delay when it answers by itself.

import type { LiveBehaviour } from '../../../src/client/live-protocol';
import { h } from './dom';

const KINDS: { kind: LiveBehaviour['kind']; label: string }[] = [
  { kind: 'answer', label: 'Answers after a delay' },
  { kind: 'manual', label: 'Rings until told (manual)' },
  { kind: 'busy', label: 'Busy' },
  { kind: 'reject', label: 'Rejects' },
  { kind: 'never', label: 'Never answers' },
  { kind: 'unreachable', label: 'Unreachable' },
];

export function describeBehaviour(behaviour: LiveBehaviour): string {
  return behaviour.kind === 'answer' ? `answers after ${behaviour.afterMs / 1000} s` : (KINDS.find((k) => k.kind === behaviour.kind)?.label ?? behaviour.kind).toLowerCase();
}

/** A select and a delay field (shown for "answer"), labelled; `value()` reads the behaviour chosen. */
export function behaviourFields(key: string, current: LiveBehaviour): { element: HTMLElement; value(): LiveBehaviour } {
  const select = h('select', { id: `${key}-kind`, 'data-key': `${key}-kind` }, ...KINDS.map(({ kind, label }) => h('option', { value: kind, selected: kind === current.kind }, label)));
  const delay = h('input', {
    id: `${key}-delay`,
    'data-key': `${key}-delay`,
    type: 'number',
    min: 0,
    max: 3600,
    step: 0.5,
    value: current.kind === 'answer' ? current.afterMs / 1000 : 1,
  });
  const delayField = h('span', { class: 'field-inline', hidden: current.kind !== 'answer' }, h('label', { for: delay.id }, 'after (s)'), delay);
  select.addEventListener('change', () => (delayField.hidden = select.value !== 'answer'));
  const element = h('span', { class: 'behaviour' }, h('label', { for: select.id, class: 'visually-hidden' }, 'Behaviour'), select, delayField);
  return {
    element,
    value: () => {
      const kind = select.value as LiveBehaviour['kind'];
      return kind === 'answer' ? { kind, afterMs: Math.round(Number(delay.value) * 1000) } : ({ kind } as LiveBehaviour);
    },
  };
}
