// The Switchboard web console: watches the simulated PBX live and drives it through /sim.

import type { LiveMessage, LiveState } from '../../../src/client/live-protocol';
import type { Actions } from './actions';
import { SimApi } from './api';
import { behaviourFields } from './behaviour';
import { CallsView } from './calls';
import { LiveConnection, type ConnectionStatus } from './connection';
import { DnsView } from './dns';
import { announce, localTime } from './dom';
import { Listener } from './listen';
import { EventLog } from './log';
import { renderApplications, renderStreams } from './monitor';

const KEY_STORAGE = 'switchboard.adminKey';

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

const ui = {
  connection: byId<HTMLParagraphElement>('connection'),
  clock: byId<HTMLTimeElement>('clock'),
  clockKind: byId<HTMLSpanElement>('clock-kind'),
  advance: byId<HTMLFormElement>('advance'),
  reset: byId<HTMLButtonElement>('reset'),
  changeKey: byId<HTMLButtonElement>('change-key'),
  keyPanel: byId<HTMLElement>('key-panel'),
  keyForm: byId<HTMLFormElement>('key-form'),
  keyInput: byId<HTMLInputElement>('key-input'),
  keyError: byId<HTMLParagraphElement>('key-error'),
  actionError: byId<HTMLParagraphElement>('action-error'),
  main: byId<HTMLElement>('main'),
  placeCall: byId<HTMLFormElement>('place-call'),
  fromNumbers: byId<HTMLDataListElement>('from-numbers'),
  toNumbers: byId<HTMLDataListElement>('to-numbers'),
  numberForm: byId<HTMLFormElement>('number-behaviour'),
};

/** The key from the URL fragment (the start banner prints /console/#key=...), else the one kept for this tab. */
function initialKey(): string | null {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromUrl) {
    sessionStorage.setItem(KEY_STORAGE, fromUrl);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY_STORAGE);
}

class Console {
  private readonly api: SimApi;
  private readonly connection: LiveConnection;
  private readonly listener: Listener;
  private readonly calls: CallsView;
  private readonly dns: DnsView;
  private readonly log: EventLog;
  private state: LiveState | undefined;
  /** PBX clock minus local clock (ms), for a real clock. */
  private clockOffset = 0;
  private serverId: string | undefined;
  private readonly ticker: number;

  constructor(key: string) {
    this.api = new SimApi(key);
    const actions: Actions = { api: this.api, run: (what, change) => this.run(what, change) };
    this.listener = new Listener(this.api, () => this.calls.render());
    this.calls = new CallsView(byId('calls'), actions, this.listener, () => this.now());
    this.dns = new DnsView(byId('dns'), actions);
    const logTable = byId<HTMLTableElement>('log');
    this.log = new EventLog(logTable.tBodies[0]!, logTable.parentElement!, byId('log-empty'), byId('log-dn'), byId('log-type'));
    this.connection = new LiveConnection(this.api, { message: (message) => this.onMessage(message), status: (status) => this.onStatus(status) });
    this.ticker = window.setInterval(() => this.tick(), 1000);
    this.connection.start();
  }

  dispose(): void {
    this.connection.stop();
    this.listener.stop();
    window.clearInterval(this.ticker);
  }

  /** PBX time now (ms): the fake clock as last reported, or local time corrected by the server's. */
  now(): number {
    if (this.state?.clock.fake) return Date.parse(this.state.clock.now);
    return Date.now() + this.clockOffset;
  }

  async run(what: string, change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
      ui.actionError.hidden = true;
    } catch (error) {
      ui.actionError.textContent = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      ui.actionError.hidden = false;
    }
    this.connection.refresh();
  }

  placeCall(form: FormData): Promise<void> {
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const callerName = text('callerName');
    return this.run('Place call', () => this.api.post('/calls', { from: text('from'), to: text('to'), ...(callerName ? { callerName } : {}) }));
  }

  setNumberBehaviour(number: string, behaviour: unknown): Promise<void> {
    return this.run(`Behaviour of ${number}`, () => this.api.put(`/numbers/${encodeURIComponent(number)}`, { behaviour }));
  }

  advance(seconds: number): Promise<void> {
    return this.run('Advance time', () => this.api.post('/clock/advance', { ms: Math.round(seconds * 1000) }));
  }

  clearLog(): void {
    this.log.clear();
  }

  reset(): Promise<void> {
    this.listener.stop();
    return this.run('Reset', () => this.api.post('/reset'));
  }

  private onMessage(message: LiveMessage): void {
    if (message.type === 'snapshot') {
      if (this.serverId !== undefined && this.serverId !== message.serverId) this.log.restart();
      this.serverId = message.serverId;
    }
    if (message.state) this.onState(message.state);
    if (message.frames) this.log.append(message.frames);
    if (message.streams) renderStreams(byId('streams'), message.streams);
    if (message.applications) renderApplications(byId('apps'), message.applications);
  }

  private onState(state: LiveState): void {
    const before = new Set(this.state?.calls.map((call) => call.callId));
    const now = new Set(state.calls.map((call) => call.callId));
    this.state = state;
    this.clockOffset = Date.parse(state.clock.now) - Date.now();
    this.calls.render(state);
    this.dns.render(state);
    this.log.knowDns(state.dns.map((dn) => dn.dn));
    ui.advance.hidden = !state.clock.fake;
    ui.clockKind.textContent = state.clock.fake ? 'fake clock' : '';
    fillOptions(ui.fromNumbers, [...state.dns.filter((dn) => dn.kind === 'extension').map((dn) => [dn.dn, `${dn.name} (extension)`] as const), ['+15557654321', 'an external caller']]);
    fillOptions(ui.toNumbers, [...state.dids.map((did) => [did.number, `DID → ${did.destination}`] as const), ...state.dns.filter((dn) => dn.kind !== 'externalline').map((dn) => [dn.dn, dn.name] as const)]);
    const started = [...now].filter((id) => !before.has(id));
    const ended = [...before].filter((id) => !now.has(id));
    if (started.length + ended.length > 0) announce([...started.map((id) => `Call ${id} started.`), ...ended.map((id) => `Call ${id} ended.`)].join(' '));
    this.tick();
  }

  private tick(): void {
    const now = this.now();
    ui.clock.textContent = localTime(now);
    ui.clock.dateTime = new Date(now).toISOString();
    this.calls.tick();
  }

  private onStatus(status: ConnectionStatus): void {
    ui.connection.className = `connection connection-${status.kind}`;
    switch (status.kind) {
      case 'connecting':
        ui.connection.textContent = 'Connecting…';
        return;
      case 'live':
        ui.connection.textContent = 'Live';
        showMain(true);
        return;
      case 'retrying':
        ui.connection.textContent = `${status.lost ? 'Disconnected' : 'Cannot connect'}: ${status.reason}. Retrying in ${Math.ceil(status.inMs / 1000)} s…`;
        return;
      case 'unauthorized':
        ui.connection.textContent = 'Admin key refused';
        askForKey('The server refused this admin key. If Switchboard restarted, it has a new key: see the Admin key line it printed.');
        return;
      default: {
        const unreachable: never = status;
        throw new Error(`unknown status ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

function fillOptions(list: HTMLDataListElement, entries: (readonly [string, string])[]): void {
  const text = JSON.stringify(entries);
  if (list.dataset.entries === text) return;
  list.dataset.entries = text;
  list.replaceChildren(
    ...entries.map(([value, label]) => {
      const option = document.createElement('option');
      option.value = value;
      option.label = label;
      return option;
    }),
  );
}

let current: Console | undefined;

function showMain(visible: boolean): void {
  ui.main.hidden = !visible;
  ui.reset.hidden = !visible;
  ui.changeKey.hidden = !visible;
  ui.keyPanel.hidden = visible;
}

function askForKey(message = ''): void {
  current?.dispose();
  current = undefined;
  sessionStorage.removeItem(KEY_STORAGE);
  showMain(false);
  ui.advance.hidden = true;
  ui.keyError.textContent = message;
  if (!message) ui.connection.textContent = 'Not connected';
  ui.keyInput.value = '';
  ui.keyInput.focus();
}

function connect(key: string): void {
  current?.dispose();
  ui.keyError.textContent = '';
  current = new Console(key);
}

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  connect(key);
});
ui.changeKey.addEventListener('click', () => askForKey());
ui.reset.addEventListener('click', () => {
  if (window.confirm('End every call and restore the configured devices and behaviours?')) void current?.reset();
});
ui.advance.addEventListener('submit', (event) => {
  event.preventDefault();
  void current?.advance(Number(new FormData(ui.advance).get('seconds')));
});
ui.placeCall.addEventListener('submit', (event) => {
  event.preventDefault();
  void current?.placeCall(new FormData(ui.placeCall));
});
const numberBehaviour = behaviourFields('number', { kind: 'answer', afterMs: 1000 });
byId('number-behaviour-fields').append(numberBehaviour.element);
ui.numberForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void current?.setNumberBehaviour(String(new FormData(ui.numberForm).get('number')).trim(), numberBehaviour.value());
});
byId('log-clear').addEventListener('click', () => current?.clearLog());

const key = initialKey();
if (key) connect(key);
else askForKey();
