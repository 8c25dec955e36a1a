// GET /metrics: Prometheus text exposition of calls, participants, streams, event sockets, HTTP requests, SIP and RTP.

import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pbx } from '../core/pbx.js';
import { registerRtpMetrics } from './rtp-metrics.js';
import type { SipStatus, TrunkStatusView } from './sip-status.js';
import type { StreamQuota } from './stream-quota.js';
import type { EventHub } from './ws/hub.js';
import { METRICS_DOC } from './openapi.js';
import type { SequenceHealth } from './ws/sequence.js';

/** What the gauges read when Prometheus scrapes; nothing is counted on the hot paths but the HTTP requests. */
export interface MetricSources {
  pbx: Pbx;
  hub: EventHub;
  streams: StreamQuota;
  sequence: { health(): SequenceHealth };
  /** The SIP server, when one runs. */
  sip?: SipStatus;
}

/** Request-duration buckets in seconds: sub-millisecond API calls up to long waits (actions wait up to 30 s). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One registry per application instance (several run side by side in tests). */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly durations: Histogram<'method' | 'route'>;
  private readonly series = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<'method' | 'route'> }>();

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    registerActivityMetrics(sources, registers);
    registerSequenceMetrics(sources.sequence, registers);
    if (sources.sip) registerSipMetrics(sources.sip, registers);
    if (sources.sip) registerRtpMetrics(sources.sip, registers);
    if (sources.sip?.trunks) registerTrunkMetrics(sources.sip.trunks.bind(sources.sip), registers);
    this.requests = new Counter({
      name: 'switchboard_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.durations = new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'Time from a request arriving to its response ending, by route pattern.',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS,
      registers,
    });
  }

  /** Records one finished request; `route` is the route pattern (bounded cardinality), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    // The labelled children are looked up once per method, route and status: hashing labels on every request was a
    // visible share of a simple GET.
    const key = `${method} ${statusCode} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { count: this.requests.labels({ method, route, status_code: statusCode }), duration: this.durations.labels({ method, route }) };
      this.series.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** Registers GET /metrics on `app`. */
  register(app: FastifyInstance): void {
    app.get('/metrics', { schema: METRICS_DOC }, async (_request, reply) => {
      const text = await this.registry.metrics();
      return reply.type(this.registry.contentType).send(text);
    });
  }
}

/** Calls, participants, audio streams and event sockets, read from their owners when Prometheus scrapes. */
function registerActivityMetrics(sources: MetricSources, registers: Registry[]): void {
  new Gauge({
    name: 'switchboard_calls',
    help: 'Calls in progress.',
    registers,
    collect() {
      this.set(sources.pbx.activeCallCount());
    },
  });
  new Gauge({
    name: 'switchboard_participants',
    help: 'Participants of the calls in progress, across all DNs.',
    registers,
    collect() {
      this.set(sources.pbx.participantCount()); // counted, not built: /metrics must stay cheap with many calls
    },
  });
  new Gauge({
    name: 'switchboard_streams',
    help: 'Open participant audio streams of the API: readers (GET .../stream) and uploads (POST .../stream).',
    labelNames: ['direction'],
    registers,
    collect() {
      this.set({ direction: 'read' }, sources.streams.count('read'));
      this.set({ direction: 'write' }, sources.streams.count('write'));
    },
  });
  new Gauge({
    name: 'switchboard_websocket_clients',
    help: 'Connected event sockets (/callcontrol/ws).',
    registers,
    collect() {
      this.set(sources.hub.connectionCount);
    },
  });
  new Counter({
    name: 'switchboard_events_sent_total',
    help: 'Event frames written to event sockets.',
    registers,
    collect() {
      this.reset();
      this.inc(sources.hub.sent);
    },
  });
}

/** The health of the event sequence mark (docs/events.md): whether numbering is still backed by a written mark. */
function registerSequenceMetrics(sequence: MetricSources['sequence'], registers: Registry[]): void {
  new Gauge({
    name: 'switchboard_event_sequence_mark_writable',
    help: 'Whether the latest write of the event sequence mark succeeded (0: numbering runs on what is left below the mark).',
    registers,
    collect() {
      this.set(sequence.health().markWritable ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchboard_event_sequence_headroom',
    help: 'Event sequence numbers left below the written mark.',
    registers,
    collect() {
      this.set(sequence.health().headroom);
    },
  });
  new Counter({
    name: 'switchboard_event_sequence_mark_failures_total',
    help: 'Failed writes of the event sequence mark since start.',
    registers,
    collect() {
      this.reset();
      this.inc(sequence.health().writeFailures);
    },
  });
}

/** SIP counters and gauges, read from the SIP server when Prometheus scrapes. */
function registerSipMetrics(sip: SipStatus, registers: Registry[]): void {
  const counters: Array<[string, string, keyof SipStatus['counters']]> = [
    ['switchboard_sip_transactions_total', 'SIP server transactions started (requests answered, retransmissions not counted).', 'transactions'],
    ['switchboard_sip_registrations_total', 'SIP bindings added (new registered phones; refreshes not counted).', 'registrations'],
    ['switchboard_sip_auth_failures_total', 'SIP requests whose digest credentials were wrong (unknown users included).', 'authFailures'],
    ['switchboard_sip_bans_total', 'Source addresses banned after too many failed authentications.', 'bans'],
  ];
  for (const [name, help, key] of counters) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(sip.counters[key]);
      },
    });
  }
  const gauges: Array<[string, string, () => number]> = [
    ['switchboard_sip_live_transactions', 'SIP transactions alive now.', () => sip.liveTransactions],
    ['switchboard_sip_bindings', 'SIP phones registered now.', () => sip.bindingCount],
    ['switchboard_sip_banned_sources', 'Source addresses banned now.', () => sip.bannedSources],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  }
}

const TRUNK_STATES = ['unregistered', 'registering', 'registered', 'failed'] as const;

/** Registrations of SIP trunks to their providers: the state as one 0/1 series per state, and counters, per registering trunk. */
function registerTrunkMetrics(trunks: () => TrunkStatusView[], registers: Registry[]): void {
  const registering = () => trunks().flatMap((t) => (t.registration ? [{ trunk: t.trunk, registration: t.registration }] : []));
  new Gauge({
    name: 'switchboard_sip_trunk_registration_state',
    help: 'Registration of a SIP trunk to its provider: 1 for its state now, 0 for the others.',
    labelNames: ['trunk', 'state'],
    registers,
    collect() {
      for (const { trunk, registration } of registering()) for (const state of TRUNK_STATES) this.set({ trunk, state }, registration.state === state ? 1 : 0);
    },
  });
  const counters: Array<[string, string, 'registrations' | 'failures']> = [
    ['switchboard_sip_trunk_registrations_total', 'REGISTERs of a SIP trunk answered 2xx by its provider (refreshes included).', 'registrations'],
    ['switchboard_sip_trunk_registration_failures_total', 'Registration attempts of a SIP trunk that ended without a registration (refused, wrong credentials, no answer).', 'failures'],
  ];
  for (const [name, help, key] of counters) {
    new Counter({
      name,
      help,
      labelNames: ['trunk'],
      registers,
      collect() {
        this.reset();
        for (const { trunk, registration } of registering()) this.inc({ trunk }, registration[key]);
      },
    });
  }
}
