// Composition root: configuration -> core -> endpoints -> API; starts and stops the whole server.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type LogOptions } from './api/app.js';
import { loadTlsMaterial } from './api/certificates.js';
import { listen } from './api/listener.js';
import type { PbxConfig } from './config/types.js';
import { ManualClock, SystemClock, type Clock } from './core/clock.js';
import type { Pbx } from './core/pbx.js';
import { END_CALLS_SLICE_CALLS } from './limits.js';
import { createSimulatedPbx, type SimulatedPbx } from './endpoints/directory.js';
import { MediaEngine } from './media/engine.js';
import { simPlane } from './sim/plane.js';
import { SipServer } from './endpoints/sip/sip-server.js';
import { TrunkRegistrations } from './endpoints/sip/trunk-registrations.js';

export interface ServerOptions {
  config: PbxConfig;
  /** Overrides config.server.host / port; port 0 picks a free port. */
  host?: string;
  port?: number;
  /** Drive the core with a manual clock that only /sim moves (for tests of time-dependent behaviour). */
  fakeClock?: boolean;
  /** The /sim admin key; generated when absent. */
  adminKey?: string;
  /** Structured logs (pino) at this level; absent: no logs (the CLI passes server.logLevel). */
  log?: LogOptions;
  /** Time for network liveness (event socket pings); real time unless a test drives it. */
  networkClock?: Clock;
  /**
   * Start the SIP server (when config.server.sip.enabled), optionally on another host/port (0: a free port);
   * `tlsPort` overrides config.server.sip.tls.port when SIP TLS is enabled.
   * Absent: no SIP, so servers started side by side (tests) never fight over 5060; `serve` always asks for it.
   */
  sip?: { host?: string; port?: number; tlsPort?: number };
}

/** Where the SIP server listens. */
export interface RunningSip {
  host: string;
  /** The bound ports (UDP and TCP share one number when both run). */
  udpPort: number | null;
  tcpPort: number | null;
  /** The SIP over TLS port, or null when server.sip.tls is off. */
  tlsPort: number | null;
  /** The certificate SIP TLS clients should trust when it is the self-signed one, else null. */
  tlsCaFile: string | null;
  server: SipServer;
}

export interface RunningServer {
  /** Base URL a client on this machine can use (plain HTTP; the same port also speaks HTTPS when TLS is on). */
  url: string;
  /** The same origin over HTTPS, or null when TLS is off. */
  secureUrl: string | null;
  /** The self-signed certificate clients should trust (NODE_EXTRA_CA_CERTS), or null. */
  caFile: string | null;
  host: string;
  port: number;
  adminKey: string;
  clock: Clock;
  pbx: Pbx;
  sim: SimulatedPbx;
  app: FastifyInstance;
  /** The SIP server, or null when it was not asked for or is disabled. */
  sip: RunningSip | null;
  /** Ends every call, stops listening and closes connections. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = options.config;
  const clock: Clock = options.fakeClock ? new ManualClock(Date.now()) : new SystemClock();
  const sim = createSimulatedPbx(config, clock);
  const adminKey = options.adminKey ?? randomBytes(18).toString('base64url');
  const sipServer = options.sip && config.server.sip.enabled ? createSipServer(sim, config, clock, options) : null;
  const trunks = sipServer ? createTrunks(sipServer, config, clock, options) : null;
  // Media errors go to the application's log, which exists once the application is built.
  const logged: { to?: FastifyInstance['log'] } = {};
  const media = new MediaEngine({ pbx: sim.pbx, clock, partyMedia: sim.partyMedia, onError: (error, context) => logged.to?.error({ err: error }, `media: ${context}`) });
  // The SIP status the API reads is the server's, with the trunks beside it (the server knows nothing of trunks).
  const sipStatus = sipServer && trunks ? { sip: Object.assign(sipServer, { trunks: () => trunks.status() }) } : {};
  // The /sim control plane and the web console are served beside the Call Control API unless configured off.
  const extensions = config.server.sim.enabled ? simPlane({ sim, clock, config, adminKey, media, ...sipStatus }) : [];
  const app = await buildApp({ pbx: sim.pbx, media, config, clock, dataDir: config.server.dataDir, log: options.log, extensions, consoleLink: config.server.sim.enabled, networkClock: options.networkClock, ...sipStatus });
  logged.to = app.log;
  sipServer?.attachLog(app.log);
  trunks?.attachLog(app.log);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const tls = config.server.tls.enabled ? await loadTlsMaterial(config.server.tls, config.server.dataDir) : null;
  let listener;
  try {
    listener = await listen(app, { host, port, tls });
  } catch (error) {
    await app.close();
    throw error;
  }
  let sip: RunningSip | null = null;
  if (sipServer) {
    try {
      sip = await startSip(sipServer, config, options);
      trunks?.start({ host: sip.host, ports: sipServer.ports });
    } catch (error) {
      await app.close();
      await listener.close();
      throw error;
    }
  }
  const boundPort = listener.address().port;
  const clientHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${clientHost}:${boundPort}`,
    secureUrl: tls ? `https://${clientHost === '127.0.0.1' ? 'localhost' : clientHost}:${boundPort}` : null,
    caFile: tls?.caFile ?? null,
    host,
    port: boundPort,
    adminKey,
    clock,
    pbx: sim.pbx,
    sim,
    app,
    sip,
    async close() {
      if (closed) return;
      closed = true;
      await trunks?.stop();
      // In slices: the Remove frames of thousands of calls go out, and the event loop keeps turning, while they end.
      await sim.pbx.endAllCallsInSlices(END_CALLS_SLICE_CALLS, () => new Promise<void>((resolve) => setImmediate(resolve)));
      // After the calls: their phones are sent BYE or CANCEL while SIP still runs.
      await sipServer?.stop();
      await app.close();
      await listener.close();
    },
  };
}

/** Starts the SIP listeners; SIP over TLS presents the API's certificate material (configured, or the self-signed one). */
async function startSip(server: SipServer, config: PbxConfig, options: ServerOptions): Promise<RunningSip> {
  const tlsConfig = config.server.sip.tls;
  const material = tlsConfig.enabled ? await loadTlsMaterial(config.server.tls, config.server.dataDir) : null;
  const ports = await server.start(material ? { port: options.sip?.tlsPort ?? tlsConfig.port, cert: material.cert, key: material.key } : undefined);
  return {
    host: options.sip?.host ?? config.server.sip.host,
    udpPort: ports.udp ?? null,
    tcpPort: ports.tcp ?? null,
    tlsPort: ports.tls ?? null,
    tlsCaFile: material?.caFile ?? null,
    server,
  };
}

/** The SIP server over the simulated PBX: SIP-registered phones are devices whose endpoint is the SIP phone endpoint. */
function createSipServer(sim: SimulatedPbx, config: PbxConfig, clock: Clock, options: ServerOptions): SipServer {
  const server = new SipServer({
    pbx: sim.pbx,
    config,
    clock,
    networkClock: options.networkClock ?? new SystemClock(),
    dataDir: config.server.dataDir,
    ...(options.sip?.host === undefined ? {} : { host: options.sip.host }),
    ...(options.sip?.port === undefined ? {} : { port: options.sip.port }),
  });
  sim.endpoints.setDeviceOverride((dn, deviceId) => (server.isSipDevice(dn, deviceId) ? server.phones : undefined));
  return server;
}

/** Registrations of the SIP trunks, sent from the SIP server's socket; calls over trunks are not carried yet. */
function createTrunks(server: SipServer, config: PbxConfig, clock: Clock, options: ServerOptions): TrunkRegistrations {
  return new TrunkRegistrations({ config, clock, networkClock: options.networkClock ?? new SystemClock(), sendRequest: (request, peer, events) => server.sendRequest(request, peer, events) });
}
