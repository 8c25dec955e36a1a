// Audio streams with a level meter each way, and the API applications with their connected event sockets.

import type { LiveApplication, LiveStream } from '../../../src/client/live-protocol';
import { h } from './dom';

const SOURCES: Record<LiveStream['source'], string> = { upload: 'application upload', sim: '/sim audio', own: 'its own audio', silence: 'silence' };

export function renderStreams(container: HTMLElement, streams: LiveStream[]): void {
  if (streams.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, 'No audio: a participant gets a stream once Connected.'));
    return;
  }
  const meter = (value: number, label: string) => h('meter', { min: 0, max: 1, low: 0.5, high: 0.9, optimum: 0.2, value, 'aria-label': label, title: `${Math.round(value * 100)}%` });
  container.replaceChildren(
    h(
      'table',
      { class: 'streams' },
      h('thead', {}, h('tr', {}, ...['Participant', 'Call', 'Sends', 'Readers', 'Level sent', 'Level heard'].map((label) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        {},
        ...streams.map((stream) =>
          h(
            'tr',
            { 'data-participant': stream.participantId },
            h('th', { scope: 'row' }, h('span', { class: 'dn' }, stream.dn), ` #${stream.participantId}`, stream.held ? h('span', { class: 'tag' }, 'held') : null),
            h('td', {}, String(stream.callId)),
            h('td', {}, SOURCES[stream.source]),
            h('td', { class: 'num' }, String(stream.readers)),
            h('td', {}, meter(stream.sentPeak, `Level sent by participant ${stream.participantId}`)),
            h('td', {}, meter(stream.heardPeak, `Level heard by participant ${stream.participantId}`)),
          ),
        ),
      ),
    ),
  );
}

export function renderApplications(container: HTMLElement, applications: LiveApplication[]): void {
  if (applications.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, 'No applications are configured.'));
    return;
  }
  container.replaceChildren(
    h(
      'ul',
      { class: 'apps' },
      ...applications.map((app) =>
        h(
          'li',
          { 'data-client': app.clientId },
          h('span', { class: 'dn' }, app.clientId),
          ` monitors ${app.monitor.join(', ') || 'nothing else'} · `,
          h('strong', {}, app.connections === 1 ? '1 event socket connected' : `${app.connections} event sockets connected`),
        ),
      ),
    ),
  );
}
