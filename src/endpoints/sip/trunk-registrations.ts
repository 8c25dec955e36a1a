// The registrations of SIP trunks to their providers: one RegisterClient per registering trunk, sent from the PBX's own SIP socket, with status and logs.

import type { PbxConfig, TrunkConfig, TrunkSipConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import { SIP_TRUNK_UNREGISTER_WAIT_MS } from '../../limits.js';
import type { SipRequest } from '../../sip/message.js';
import { resolveHost, sourceAddressTowards } from '../../sip/locate.js';
import type { NonInviteClientEvents } from '../../sip/non-invite-client.js';
import { RegisterClient, type RegistrationRoute, type RegistrationState, type RegistrationStatus } from '../../sip/register-client.js';
import type { Peer } from '../../sip/transaction.js';
import type { BoundPorts } from '../../sip/transport.js';
import type { SipLog } from './sip-server.js';

/** One SIP trunk as GET /sim/sip/trunks lists it. */
export interface TrunkStatus {
  trunk: string;
  name: string;
  /** `udp:sip.example.com:5060`: transport, host and port of the provider. */
  provider: string;
  /** register: the trunk registers to the provider; peer: the provider is known by its addresses. */
  mode: 'register' | 'peer';
  /** The registration now; null in peer mode. */
  registration: TrunkRegistrationStatus | null;
}

export interface TrunkRegistrationStatus {
  state: RegistrationState;
  lastStatus: number | null;
  lastReason: string | null;
  /** Seconds until the granted registration runs out, while registered. */
  expiresInSeconds: number | null;
  /** Seconds until the next REGISTER (refresh or retry), when one is planned. */
  nextAttemptInSeconds: number | null;
  registrations: number;
  failures: number;
}

export interface TrunkRegistrationsOptions {
  config: PbxConfig;
  /** The PBX clock: refresh and back-off. */
  clock: Clock;
  /** Real time: how long stop waits for unregisters. */
  networkClock: Clock;
  /** Sends a request from the PBX's SIP socket through its transaction layer (SipServer.sendRequest). */
  sendRequest(request: SipRequest, peer: Peer, events: NonInviteClientEvents): void;
}

const SILENT: SipLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };
const DEFAULT_PORT = { udp: 5060, tcp: 5060, tls: 5061 } as const;

interface Entry {
  trunk: TrunkConfig;
  sip: TrunkSipConfig;
  client: RegisterClient | null;
  /** The provider's address found by the latest look-up. */
  address?: string;
  /** The last state logged at info or warn: a refresh (registered -> registering -> registered) is not news. */
  logged?: RegistrationState;
}

/** Every SIP trunk of the configuration; the registering ones register once `start` is told where the PBX's SIP listens. */
export class TrunkRegistrations {
  private readonly entries: Entry[];
  private log: SipLog = SILENT;
  private local: { host: string; ports: BoundPorts } | undefined;

  constructor(private readonly options: TrunkRegistrationsOptions) {
    this.entries = options.config.trunks.flatMap((trunk) => (trunk.sip ? [{ trunk, sip: trunk.sip, client: null }] : []));
    for (const entry of this.entries) if (entry.sip.register) entry.client = this.makeClient(entry);
  }

  attachLog(log: SipLog): void {
    this.log = log;
  }

  /** Starts registering, from the PBX's SIP listener at `host` (a wildcard: the address the system routes towards the provider from). */
  start(local: { host: string; ports: BoundPorts }): void {
    this.local = local;
    for (const entry of this.entries) entry.client?.start();
  }

  /** Stops refreshing and unregisters, waiting at most SIP_TRUNK_UNREGISTER_WAIT_MS (real time) for the providers' answers. */
  async stop(): Promise<void> {
    const stops = Promise.all(this.entries.map((entry) => entry.client?.stop()));
    let timer;
    const waited = new Promise<void>((resolve) => (timer = this.options.networkClock.setTimeout(resolve, SIP_TRUNK_UNREGISTER_WAIT_MS)));
    await Promise.race([stops, waited]);
    this.options.networkClock.clearTimeout(timer);
  }

  status(): TrunkStatus[] {
    const now = this.options.clock.now();
    const seconds = (atMs: number | null) => (atMs === null ? null : Math.max(0, Math.ceil((atMs - now) / 1000)));
    return this.entries.map(({ trunk, sip, client }) => {
      const s = client?.status();
      return {
        trunk: trunk.number,
        name: trunk.name,
        provider: `${sip.transport}:${hostText(sip.host)}:${sip.port}`,
        mode: sip.register ? 'register' : 'peer',
        registration: s
          ? { state: s.state, lastStatus: s.lastStatus, lastReason: s.lastReason, expiresInSeconds: seconds(s.expiresAtMs), nextAttemptInSeconds: seconds(s.nextAttemptAtMs), registrations: s.registrations, failures: s.failures }
          : null,
      };
    });
  }

  /** The address a registering trunk's provider was last found at (where its INVITEs are expected from), if looked up yet. */
  providerAddress(trunk: string): string | undefined {
    return this.entries.find((entry) => entry.trunk.number === trunk)?.address;
  }

  private makeClient(entry: Entry): RegisterClient {
    const { sip } = entry;
    const port = sip.port === DEFAULT_PORT[sip.transport] ? '' : `:${sip.port}`;
    return new RegisterClient({
      clock: this.options.clock,
      sendRequest: (request, peer, events) => this.options.sendRequest(request, peer, events),
      route: () => this.route(entry),
      domain: `${hostText(sip.host)}${port}`,
      username: sip.username ?? '',
      authId: sip.authId ?? sip.username ?? '',
      password: sip.password ?? '',
      expiresSeconds: sip.expiresSeconds,
      userAgent: 'Switchboard',
      onChange: (status) => this.logChange(entry, status),
    });
  }

  private async route(entry: Entry): Promise<RegistrationRoute> {
    const local = this.local;
    if (!local) throw new Error('SIP is not running');
    const { sip } = entry;
    const address = await resolveHost(sip.host);
    entry.address = address;
    const transport = sip.transport === 'udp' ? 'UDP' : sip.transport === 'tcp' ? 'TCP' : 'TLS';
    // Over TLS a host name is what the certificate is checked against.
    const peer: Peer = { transport, host: transport === 'TLS' ? sip.host : address, port: sip.port };
    const ports = local.ports;
    const localPort = (transport === 'UDP' ? ports.udp : transport === 'TCP' ? ports.tcp : (ports.tls ?? ports.tcp)) ?? ports.udp ?? 0;
    return { peer, local: { host: await sourceAddressTowards(address, local.host), port: localPort } };
  }

  private logChange(entry: Entry, status: RegistrationStatus): void {
    const fields = { trunk: entry.trunk.number, state: status.state, status: status.lastStatus, reason: status.lastReason };
    const news = status.state !== entry.logged || status.state === 'failed';
    if (status.state === 'registering' || !news) return this.log.debug(fields, `SIP trunk ${status.state}`);
    entry.logged = status.state;
    if (status.state === 'failed') this.log.warn({ ...fields, failures: status.failures, nextAttemptAt: new Date(status.nextAttemptAtMs ?? 0).toISOString() }, 'SIP trunk registration failed');
    else this.log.info(fields, `SIP trunk ${status.state}`);
  }
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
