// Normalization of a configuration: defaults, shorthands, numbers to strings, paths resolved. Lenient by construction
// (any input gives a PbxConfig without throwing), so the cross-checks can run even when the schema found problems.

import { resolve } from 'node:path';
import { unsafePatternReason } from './safe-pattern.js';
import { child, type Fields, isMapping, type Report } from './key-paths.js';
import { buildOutbound } from './outbound.js';
import { BEHAVIOUR_KINDS, LOG_LEVELS, QUEUE_STRATEGIES } from './schema.js';
import { buildExtensionSip, buildSipServer } from './sip.js';
import { buildTrunkSip } from './trunk-sip.js';
import type {
  Behaviour,
  BehaviourKind,
  DeviceConfig,
  ExtensionConfig,
  ExternalNumberRule,
  IvrConfig,
  LogLevel,
  PbxConfig,
  QueueConfig,
  QueueStrategy,
  RoutePointConfig,
  ServerConfig,
  SystemDeviceConfig,
  TrunkConfig,
} from './types.js';

const DEFAULTS = {
  server: { host: '0.0.0.0', port: 5001, dataDir: '.switchboard', ringTimeoutSeconds: 30, tokenLifetimeSeconds: 3600, oneLiveTokenPerApplication: false, logLevel: 'info' as LogLevel },
  sim: { enabled: true, adminKey: null },
  device: { userAgent: 'Switchboard SimPhone 1.0', directControl: false, registered: true, behaviour: { kind: 'answer', afterMs: 1000 } as Behaviour },
  routePoint: { userAgent: 'Switchboard Route Point', autoAnswer: true },
  ivr: { userAgent: 'Switchboard IVR', timeoutSeconds: 10 },
  queue: { userAgent: 'Switchboard Queue', strategy: 'ring-all' as QueueStrategy, ringSeconds: 20, holdTimeoutSeconds: 120 },
  trunk: { userAgent: 'Switchboard Trunk' },
  externalBehaviour: { kind: 'answer', afterMs: 1000 } as Behaviour,
} as const;

const fields = (value: unknown): Fields => (isMapping(value) ? value : {});
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback);
const integer = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const flag = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);
const textOrNull = (value: unknown): string | null => (value === undefined || value === null ? null : text(value, ''));
const filePath = (value: unknown, baseDir: string): string | null => (typeof value === 'string' && value !== '' ? resolve(baseDir, value) : null);

/** The configuration raw describes, with defaults filled in; what only normalization can tell is wrong goes to report. */
export function buildConfig(raw: unknown, baseDir: string, report: Report): PbxConfig {
  const root = fields(raw);
  const section = <T>(key: string, build: (item: Fields, path: string) => T): T[] => items(root[key]).map((item, i) => build(fields(item), child(key, i)));
  const external = fields(root['external']);
  return {
    server: buildServer(fields(root['server']), baseDir),
    extensions: section('extensions', (item, path) => buildExtension(item, path, report)),
    routePoints: section('routePoints', buildRoutePoint),
    ivrs: section('ivrs', (item) => buildIvr(item, baseDir)),
    queues: section('queues', (item) => buildQueue(item, baseDir)),
    trunks: section('trunks', (item, path) => buildTrunk(item, path, report)),
    applications: section('applications', (item) => ({
      clientId: text(item['clientId'], ''),
      secret: text(item['secret'], ''),
      monitor: items(item['monitor']).map((dn) => text(dn, '')),
      streamMonitoredDns: flag(item['streamMonitoredDns'], false),
    })),
    external: {
      defaultBehaviour: buildBehaviour(external['default'], 'external.default', DEFAULTS.externalBehaviour, report),
      numbers: items(external['numbers']).map((rule, i) => buildExternalRule(fields(rule), child('external.numbers', i), report)),
    },
    ...(root['outbound'] === undefined ? {} : { outbound: buildOutbound(root['outbound'], report) }),
  };
}

function buildServer(server: Fields, baseDir: string): ServerConfig {
  const d = DEFAULTS.server;
  const sim = fields(server['sim']);
  const tls = fields(server['tls']);
  return {
    host: text(server['host'], d.host),
    port: integer(server['port'], d.port),
    dataDir: filePath(server['dataDir'], baseDir) ?? resolve(baseDir, d.dataDir),
    ringTimeoutSeconds: integer(server['ringTimeoutSeconds'], d.ringTimeoutSeconds),
    tokenLifetimeSeconds: integer(server['tokenLifetimeSeconds'], d.tokenLifetimeSeconds),
    oneLiveTokenPerApplication: flag(server['oneLiveTokenPerApplication'], d.oneLiveTokenPerApplication),
    logLevel: LOG_LEVELS.find((known) => known === server['logLevel']) ?? d.logLevel,
    sim: { enabled: flag(sim['enabled'], DEFAULTS.sim.enabled), adminKey: textOrNull(sim['adminKey']) },
    tls: {
      enabled: flag(tls['enabled'], true),
      cert: filePath(tls['cert'], baseDir),
      key: filePath(tls['key'], baseDir),
      names: items(tls['names']).map((name) => text(name, '')),
    },
    sip: buildSipServer(server['sip']),
  };
}

function buildExtension(item: Fields, path: string, report: Report): ExtensionConfig {
  return {
    number: text(item['number'], ''),
    name: text(item['name'], ''),
    devices: items(item['devices']).map((device, i): DeviceConfig => {
      const f = fields(device);
      const d = DEFAULTS.device;
      return {
        id: text(f['id'], ''),
        userAgent: text(f['userAgent'], d.userAgent),
        directControl: flag(f['directControl'], d.directControl),
        registered: flag(f['registered'], d.registered),
        behaviour: buildBehaviour(f['behaviour'], child(child(child(path, 'devices'), i), 'behaviour'), d.behaviour, report),
      };
    }),
    sip: buildExtensionSip(item['sip'], text(item['number'], '')),
  };
}

// Route points, IVRs, queues and trunks have one device; when none is configured it is made from the number.
function buildSystemDevice(item: Fields, userAgent: string): SystemDeviceConfig {
  const device = item['device'];
  if (!isMapping(device)) return { id: `sip:${text(item['number'], '')}@127.0.0.1`, userAgent };
  return { id: text(device['id'], ''), userAgent: text(device['userAgent'], userAgent) };
}

function buildRoutePoint(item: Fields): RoutePointConfig {
  return {
    number: text(item['number'], ''),
    name: text(item['name'], ''),
    autoAnswer: flag(item['autoAnswer'], DEFAULTS.routePoint.autoAnswer),
    device: buildSystemDevice(item, DEFAULTS.routePoint.userAgent),
  };
}

function buildIvr(item: Fields, baseDir: string): IvrConfig {
  return {
    number: text(item['number'], ''),
    name: text(item['name'], ''),
    device: buildSystemDevice(item, DEFAULTS.ivr.userAgent),
    prompt: filePath(item['prompt'], baseDir),
    menu: Object.fromEntries(Object.entries(fields(item['menu'])).map(([key, destination]) => [key, text(destination, '')])),
    timeoutSeconds: integer(item['timeoutSeconds'], DEFAULTS.ivr.timeoutSeconds),
    timeoutDestination: textOrNull(item['timeoutDestination']),
  };
}

function buildQueue(item: Fields, baseDir: string): QueueConfig {
  const d = DEFAULTS.queue;
  const strategy = item['strategy'];
  return {
    number: text(item['number'], ''),
    name: text(item['name'], ''),
    device: buildSystemDevice(item, d.userAgent),
    agents: items(item['agents']).map((agent) => text(agent, '')),
    strategy: QUEUE_STRATEGIES.find((known) => known === strategy) ?? d.strategy,
    ringSeconds: integer(item['ringSeconds'], d.ringSeconds),
    holdTimeoutSeconds: integer(item['holdTimeoutSeconds'], d.holdTimeoutSeconds),
    overflowDestination: textOrNull(item['overflowDestination']),
    holdMusic: filePath(item['holdMusic'], baseDir),
  };
}

function buildTrunk(item: Fields, path: string, report: Report): TrunkConfig {
  const sip = buildTrunkSip(item['sip'], child(path, 'sip'), report);
  return {
    number: text(item['number'], ''),
    name: text(item['name'], ''),
    device: buildSystemDevice(item, DEFAULTS.trunk.userAgent),
    dids: items(item['dids']).map((did) => ({ number: text(fields(did)['number'], ''), destination: text(fields(did)['destination'], '') })),
    ...(sip ? { sip } : {}),
  };
}

function buildExternalRule(rule: Fields, path: string, report: Report): ExternalNumberRule {
  const behaviour = buildBehaviour(rule['behaviour'], child(path, 'behaviour'), DEFAULTS.externalBehaviour, report);
  const callerName = text(rule['callerName'], '');
  const { number, pattern } = rule;
  if (number !== undefined && pattern !== undefined) report(path, 'has both number and pattern; a rule has one or the other');
  if (number === undefined && pattern === undefined) report(path, 'needs number (an exact number) or pattern (a regular expression)');
  if (typeof pattern === 'string' && number === undefined) {
    try {
      new RegExp(pattern);
      const unsafe = unsafePatternReason(pattern);
      if (unsafe !== undefined) report(child(path, 'pattern'), `could take exponential time to match: ${unsafe}; write it without nested repetition (docs/configuration.md)`);
    } catch (error) {
      report(child(path, 'pattern'), `must be a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    return { pattern, behaviour, callerName };
  }
  return { number: text(number, ''), behaviour, callerName };
}

function isBehaviourKind(value: unknown): value is BehaviourKind {
  return BEHAVIOUR_KINDS.some((kind) => kind === value);
}

// `busy` -> { kind: 'busy' }; `answer` and `{ kind: answer }` answer at once.
function buildBehaviour(value: unknown, path: string, fallback: Behaviour, report: Report): Behaviour {
  const f = isMapping(value) ? value : { kind: value };
  const kind = f['kind'];
  if (!isBehaviourKind(kind)) return { ...fallback };
  if (kind === 'answer') return { kind, afterMs: integer(f['afterMs'], 0) };
  if (f['afterMs'] !== undefined) report(child(path, 'afterMs'), `only allowed with kind answer, got kind ${kind}`);
  return { kind };
}
