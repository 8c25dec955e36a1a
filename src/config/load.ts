// Loads the PBX configuration: YAML text -> schema check -> defaults -> cross-checks, reporting every problem at once.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { type Document, LineCounter, parseDocument, Scalar, visit } from 'yaml';
import { ConfigError, type ConfigProblem } from './errors.js';

export { ConfigError, type ConfigProblem };
import { unsafePatternReason } from './safe-pattern.js';
import { CONFIG_LIMITS } from '../limits.js';
import { buildExtensionSip, buildSipServer, checkSip } from './sip.js';
import { buildOutbound, checkOutbound } from './outbound.js';
import { BEHAVIOUR_KINDS, EXTERNAL_NUMBER, LOG_LEVELS, PbxConfigFileSchema, QUEUE_STRATEGIES } from './schema.js';
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



/**
 * Reads, validates and normalizes a YAML configuration file. Relative paths in it (prompt, holdMusic,
 * server.dataDir) are resolved against the file's folder.
 * @throws ConfigError listing every problem, including an unreadable file and YAML syntax errors.
 */
export function loadConfigFile(path: string): PbxConfig {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > CONFIG_LIMITS.maxFileBytes) throw new ConfigError([{ file: path, path: '', message: tooBig(size) }]);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([{ file: path, path: '', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  return parseConfig(text, path, dirname(resolve(path)));
}

/**
 * Parses, validates and normalizes YAML configuration text. An empty document is an empty PBX.
 * @param fileLabel names the text in problems (a path, or a label such as `<inline>`).
 * @param baseDir folder that relative paths in the text are resolved against.
 * @throws ConfigError listing every problem, YAML syntax errors (with line and column) included.
 */
export function parseConfig(text: string, fileLabel: string, baseDir: string): PbxConfig {
  const bytes = Buffer.byteLength(text);
  if (bytes > CONFIG_LIMITS.maxFileBytes) throw new ConfigError([{ file: fileLabel, path: '', message: tooBig(bytes) }]);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxProblems: Found[] = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.code === 'MULTIPLE_DOCS' ? "more than one YAML document (a second '---'); the configuration is one document" : error.message;
    return { path: '', message: `YAML syntax error at line ${line}, column ${col}: ${message}` };
  });
  // The parser recovers from most syntax errors, so the rest of the file is still checked and every problem reported at once.
  keepDigitStringsAsWritten(doc);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: CONFIG_LIMITS.maxYamlAliasCount }) ?? {};
  } catch (error) {
    // Alias expansion beyond maxAliasCount ("billion laughs") ends here.
    throw new ConfigError([...syntaxProblems, { path: '', message: `cannot read the YAML: ${(error as Error).message}` }].map((p) => ({ file: fileLabel, ...p })));
  }
  return check(raw, fileLabel, baseDir, syntaxProblems);
}

/**
 * Validates and normalizes an already-parsed configuration object (the content of a YAML file).
 * @param fileLabel names the source in problems (a path, or a label such as `<demo>`).
 * @param baseDir folder that relative paths are resolved against.
 * @throws ConfigError listing every problem.
 */
export function normalizeConfig(raw: unknown, fileLabel: string, baseDir: string): PbxConfig {
  return check(raw, fileLabel, baseDir, []);
}

// ---------------------------------------------------------------------------------------------
// Pipeline

// A problem before it is attributed to a file.
interface Found {
  path: string;
  message: string;
}

type Report = (path: string, message: string) => void;

function check(raw: unknown, file: string, baseDir: string, earlier: Found[]): PbxConfig {
  const structural = schemaProblems(raw);
  const semantic: Found[] = [];
  const report: Report = (path, message) => semantic.push({ path, message });
  const config = buildConfig(raw, baseDir, report);
  crossCheck(config, report);

  // A key the schema already rejected yields garbage for the checks after it; its consequences are not news.
  const rejected = new Set(structural.map((p) => p.path));
  const consequent = (p: Found) => pathPrefixes(p.path).some((prefix) => rejected.has(prefix));
  const problems = [...earlier, ...inDocumentOrder(raw, [...structural, ...semantic.filter((p) => !consequent(p))])];
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ file, ...p })));
  return config;
}

/**
 * Checks a secret given in an environment variable by the rules the configuration file applies to the same
 * secret (its length), so that no way in is weaker than another.
 * @throws ConfigError naming the variable (never its value) when the value breaks them.
 */
export function checkSecretVariable(variable: string, value: string, minChars: number): void {
  const maxChars = CONFIG_LIMITS.maxTextChars;
  const length = [...value].length;
  if (length >= minChars && length <= maxChars) return;
  throw new ConfigError([{ file: variable, path: '', message: `must be ${minChars} to ${maxChars} characters long, got ${length}` }]);
}


function tooBig(bytes: number): string {
  return `the configuration is ${bytes} bytes; the limit is ${CONFIG_LIMITS.maxFileBytes} bytes`;
}

// YAML reads an unquoted +15550100 as 15550100 and 0100 as 100. Where the text differs from the number, keep the
// text: phone numbers and DNs then mean what was written (and a port written 05001 is reported, not guessed at).
function keepDigitStringsAsWritten(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      const source = node.source;
      if (node.type === Scalar.PLAIN && typeof node.value === 'number' && source !== undefined && /^\+?[0-9]+$/.test(source) && String(node.value) !== source) {
        node.value = source;
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Key paths: `extensions[0].devices[1].behaviour`, `ivrs[0].menu["*"]`

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

function pathTokens(path: string): (string | number)[] {
  return [...path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)].map(([, index, quoted, key]) =>
    index !== undefined ? Number(index) : quoted !== undefined ? (JSON.parse(quoted) as string) : (key ?? ''),
  );
}

// Problems in the order their keys appear in the file (YAML keeps key order), so a report reads top to bottom.
function inDocumentOrder(raw: unknown, problems: Found[]): Found[] {
  const position = (path: string): number[] => {
    const result: number[] = [];
    let value = raw;
    for (const token of pathTokens(path)) {
      if (typeof token === 'number') {
        result.push(token);
        value = Array.isArray(value) ? value[token] : undefined;
      } else {
        const keys = isMapping(value) ? Object.keys(value) : [];
        const at = keys.indexOf(token);
        result.push(at === -1 ? keys.length : at); // a missing (required) key sorts after the keys present
        value = at === -1 ? undefined : (value as Fields)[token];
      }
    }
    return result;
  };
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  };
  return problems
    .map((problem) => ({ problem, position: position(problem.path) }))
    .sort((a, b) => compare(a.position, b.position))
    .map(({ problem }) => problem);
}

// The path itself and every path it is inside: `a[0].b` -> `a[0].b`, `a[0]`, `a`, ``.
function pathPrefixes(path: string): string[] {
  const prefixes = [path, ''];
  for (let i = path.length - 1; i > 0; i--) if (path[i] === '.' || path[i] === '[') prefixes.push(path.slice(0, i));
  return prefixes;
}

// ---------------------------------------------------------------------------------------------
// Schema problems: typebox's errors, reduced to one friendly message per offending key

type SchemaNode = TSchema & {
  type?: string;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  expected?: string;
  expectedKey?: string;
  sensitive?: boolean;
};

type SchemaError = TLocalizedValidationError;

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function schemaProblems(raw: unknown): Found[] {
  const previous = Settings.Get().maxErrors;
  let errors: SchemaError[];
  // typebox stops collecting at Settings.maxErrors (8 by default, process-wide); a bad file deserves a full report.
  try {
    Settings.Set({ maxErrors: CONFIG_LIMITS.maxSchemaErrorsCollected });
    errors = Value.Errors(PbxConfigFileSchema, raw);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
  const problems: Found[] = [];
  const seen = new Set<string>();
  for (const error of withoutUnionNoise(errors, raw)) {
    for (const problem of describe(error, raw)) {
      if (seen.has(problem.path)) continue; // one problem per key: the first is the most basic
      seen.add(problem.path);
      problems.push(problem);
    }
  }
  return problems;
}

// A value failing a union (`busy` or `{ kind, afterMs }`; digits or an integer) fails every branch. When the value's
// type picks exactly one branch, that branch's errors are the precise ones; otherwise the union's own message is.
function withoutUnionNoise(errors: SchemaError[], raw: unknown): SchemaError[] {
  const dropped = new Set<SchemaError>();
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const branches = schemaAt(union.schemaPath).anyOf ?? [];
    const value = locate(raw, union.instancePath).value;
    const matching = branches.flatMap((branch, i) => (acceptsTypeOf(branch, value) ? [i] : []));
    const prefix = `${union.schemaPath}/anyOf/`;
    const chosen = matching.length === 1 ? `${prefix}${matching[0]}` : undefined;
    const inUnion = errors.filter((e) => e.schemaPath.startsWith(prefix) && isWithinPointer(e.instancePath, union.instancePath));
    const kept = inUnion.filter((e) => chosen !== undefined && (e.schemaPath === chosen || e.schemaPath.startsWith(`${chosen}/`)));
    for (const e of inUnion) if (!kept.includes(e)) dropped.add(e);
    if (kept.length > 0) dropped.add(union);
  }
  return errors.filter((e) => !dropped.has(e));
}

function describe(error: SchemaError, raw: unknown): Found[] {
  const { path, value } = locate(raw, error.instancePath);
  switch (error.keyword) {
    case 'required':
      return error.params.requiredProperties.map((key) => ({ path: child(path, key), message: 'required' }));
    case 'additionalProperties': {
      const schema = schemaAt(error.schemaPath);
      return error.params.additionalProperties.map((key) => ({
        path: child(path, key),
        message: schema.properties
          ? `unknown key '${key}' (allowed: ${Object.keys(schema.properties).join(', ')})`
          : `invalid key '${key}': must be ${schema.expectedKey ?? 'a known key'}`,
      }));
    }
    case 'boolean':
      return []; // the per-key twin of an additionalProperties error
    case 'enum':
      return [{ path, message: `must be one of ${error.params.allowedValues.join(', ')}, got ${show(value, false)}` }];
  }
  const chain = unionChain(error.schemaPath);
  const expected = chain.find((node) => node.expected !== undefined)?.expected;
  const got = show(value, chain.some((node) => node.sensitive === true));
  if (expected !== undefined) return [{ path, message: `must be ${expected}, got ${got}` }];
  const count = Array.isArray(value) ? value.length : 0;
  switch (error.keyword) {
    case 'type': {
      const type = String(error.params.type);
      return [{ path, message: `must be ${TYPE_NAMES[type] ?? type}, got ${got}` }];
    }
    case 'minItems':
      return [{ path, message: `must have at least ${error.params.limit} ${error.params.limit === 1 ? 'entry' : 'entries'}, got ${count}` }];
    case 'maxItems':
      return [{ path, message: `must have at most ${error.params.limit} entries, got ${count}` }];
    default:
      return [{ path, message: `${error.message}, got ${got}` }];
  }
}

// The friendly path of a JSON pointer into raw, and the value there.
function locate(raw: unknown, pointer: string): { path: string; value: unknown } {
  let path = '';
  let value = raw;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(value)) {
      path = child(path, Number(token));
      value = value[Number(token)];
    } else {
      path = child(path, token);
      value = isMapping(value) && Object.hasOwn(value, token) ? value[token] : undefined;
    }
  }
  return { path, value };
}

function schemaAt(schemaPath: string): SchemaNode {
  let node: unknown = PbxConfigFileSchema;
  for (const token of pointerTokens(schemaPath.replace(/^#/, ''))) node = (node as Record<string, unknown>)[token];
  return node as SchemaNode;
}

// The schema at schemaPath and the unions it is a branch of: where `expected` and `sensitive` are looked up.
function unionChain(schemaPath: string): SchemaNode[] {
  const chain = [schemaAt(schemaPath)];
  for (let path = schemaPath; /\/anyOf\/\d+$/.test(path); ) {
    path = path.replace(/\/anyOf\/\d+$/, '');
    chain.push(schemaAt(path));
  }
  return chain;
}

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isWithinPointer(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`);
}

function acceptsTypeOf(schema: SchemaNode, value: unknown): boolean {
  const type = jsonType(value);
  if (schema.enum !== undefined) return schema.enum.some((allowed) => jsonType(allowed) === type);
  if (schema.type === undefined) return true;
  return schema.type === type || (schema.type === 'integer' && type === 'number');
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function show(value: unknown, sensitive: boolean): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string') {
    if (sensitive) return `${value.length} characters`;
    return value.length > 60 ? `'${value.slice(0, 57)}...'` : `'${value}'`;
  }
  return sensitive ? `a ${typeof value}` : String(value);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Normalization: defaults, shorthands, numbers to strings, paths resolved. Lenient by construction (any input
// gives a PbxConfig without throwing), so the cross-checks can run even when the schema found problems.

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

type Fields = Record<string, unknown>;

const fields = (value: unknown): Fields => (isMapping(value) ? value : {});
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback);
const integer = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const flag = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);
const textOrNull = (value: unknown): string | null => (value === undefined || value === null ? null : text(value, ''));
const filePath = (value: unknown, baseDir: string): string | null => (typeof value === 'string' && value !== '' ? resolve(baseDir, value) : null);

function buildConfig(raw: unknown, baseDir: string, report: Report): PbxConfig {
  const root = fields(raw);
  const section = <T>(key: string, build: (item: Fields, path: string) => T): T[] => items(root[key]).map((item, i) => build(fields(item), child(key, i)));
  const external = fields(root['external']);
  return {
    server: buildServer(fields(root['server']), baseDir),
    extensions: section('extensions', (item, path) => buildExtension(item, path, report)),
    routePoints: section('routePoints', buildRoutePoint),
    ivrs: section('ivrs', (item) => buildIvr(item, baseDir)),
    queues: section('queues', (item) => buildQueue(item, baseDir)),
    trunks: section('trunks', buildTrunk),
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

function buildTrunk(item: Fields): TrunkConfig {
  return {
    number: text(item['number'], ''),
    name: text(item['name'], ''),
    device: buildSystemDevice(item, DEFAULTS.trunk.userAgent),
    dids: items(item['dids']).map((did) => ({ number: text(fields(did)['number'], ''), destination: text(fields(did)['destination'], '') })),
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

// ---------------------------------------------------------------------------------------------
// Cross-checks: what no single key can say wrong on its own.

type DnKind = 'extension' | 'route point' | 'IVR' | 'queue' | 'trunk';

interface DnEntry {
  kind: DnKind;
  path: string;
}

type Directory = Map<string, DnEntry>;

// Records key under path; returns the path it was first recorded under when it is a repeat.
function repeatOf(seen: Map<string, string>, key: string, path: string): string | undefined {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, path);
  return first;
}

function crossCheck(config: PbxConfig, report: Report): void {
  const dns = buildDirectory(config, report);

  const { cert, key } = config.server.tls;
  if ((cert === null) !== (key === null)) report(cert === null ? 'server.tls.cert' : 'server.tls.key', 'cert and key go together: give both, or neither for a self-signed certificate');

  config.extensions.forEach((extension, i) => {
    const ids = new Map<string, string>();
    extension.devices.forEach((device, j) => {
      const path = `extensions[${i}].devices[${j}].id`;
      const first = repeatOf(ids, device.id, path);
      if (first !== undefined) report(path, `duplicate device id ${device.id} (also at ${first})`);
    });
  });

  const applicationOf = new Map<string, string>();
  config.applications.forEach((application, i) => {
    const path = `applications[${i}]`;
    const clientId = application.clientId;
    const dn = dns.get(clientId);
    if (dn === undefined) report(`${path}.clientId`, `names DN ${clientId}, which is not configured; an application's clientId must be a route point`);
    else if (dn.kind !== 'route point') report(`${path}.clientId`, `names ${dn.kind} ${clientId}; an application's clientId must be a route point`);
    else {
      const first = repeatOf(applicationOf, clientId, path);
      if (first !== undefined) report(`${path}.clientId`, `route point ${clientId} already has an application (${first})`);
    }
    checkList(application.monitor, `${path}.monitor`, report, (number, itemPath) => {
      if (!dns.has(number)) report(itemPath, `names DN ${number}, which is not configured`);
    });
  });

  config.ivrs.forEach((ivr, i) => {
    const path = `ivrs[${i}]`;
    for (const [key, destination] of Object.entries(ivr.menu)) checkDestination(destination, child(`${path}.menu`, key), dns, report, true);
    if (ivr.timeoutDestination !== null) checkDestination(ivr.timeoutDestination, `${path}.timeoutDestination`, dns, report);
  });

  config.queues.forEach((queue, i) => {
    const path = `queues[${i}]`;
    checkList(queue.agents, `${path}.agents`, report, (number, itemPath) => {
      const dn = dns.get(number);
      if (dn === undefined) report(itemPath, `names DN ${number}, which is not configured`);
      else if (dn.kind !== 'extension') report(itemPath, `names ${dn.kind} ${number}; queue agents must be extensions`);
    });
    if (queue.overflowDestination !== null) checkDestination(queue.overflowDestination, `${path}.overflowDestination`, dns, report);
  });

  const dids = new Map<string, string>();
  config.trunks.forEach((trunk, i) => {
    trunk.dids.forEach((did, j) => {
      const path = `trunks[${i}].dids[${j}]`;
      const first = repeatOf(dids, did.number, `${path}.number`);
      if (first !== undefined) report(`${path}.number`, `duplicate DID ${did.number} (also at ${first})`);
      checkDestination(did.destination, `${path}.destination`, dns, report);
    });
  });

  checkSip(config, report);
  checkOutbound(config, report);

  const externalNumbers = new Map<string, string>();
  config.external.numbers.forEach((rule, i) => {
    if (!('number' in rule) || rule.number === '') return;
    const path = `external.numbers[${i}].number`;
    const first = repeatOf(externalNumbers, rule.number, path);
    if (first !== undefined) report(path, `duplicate rule for ${rule.number} (also at ${first}); only the first can match`);
  });
}

// Every DN by number; DN numbers are unique across all kinds.
function buildDirectory(config: PbxConfig, report: Report): Directory {
  const dns: Directory = new Map();
  const sections: [string, DnKind, { number: string }[]][] = [
    ['extensions', 'extension', config.extensions],
    ['routePoints', 'route point', config.routePoints],
    ['ivrs', 'IVR', config.ivrs],
    ['queues', 'queue', config.queues],
    ['trunks', 'trunk', config.trunks],
  ];
  for (const [key, kind, entries] of sections) {
    entries.forEach((entry, i) => {
      const path = `${key}[${i}].number`;
      if (entry.number === '') return; // missing: already reported by the schema
      const first = dns.get(entry.number);
      if (first !== undefined) report(path, `duplicate DN number ${entry.number} (also at ${first.path})`);
      else if (dns.size === CONFIG_LIMITS.maxDns) report(path, `one DN too many: at most ${CONFIG_LIMITS.maxDns} DNs of all kinds together`);
      else dns.set(entry.number, { kind, path });
    });
  }
  return dns;
}

// Runs check on each non-empty entry of a list of DN numbers, reporting repeats instead.
function checkList(numbers: string[], path: string, report: Report, check: (number: string, itemPath: string) => void): void {
  const seen = new Map<string, string>();
  numbers.forEach((number, i) => {
    const itemPath = child(path, i);
    if (number === '') return;
    const first = repeatOf(seen, number, itemPath);
    if (first !== undefined) report(itemPath, `${number} is listed twice (also at ${first})`);
    else check(number, itemPath);
  });
}

// Calls can be sent to extensions, route points, IVRs and queues; an IVR key may also dial out.
function checkDestination(number: string, path: string, dns: Directory, report: Report, externalAllowed = false): void {
  if (number === '') return;
  const dn = dns.get(number);
  if (dn === undefined) {
    if (externalAllowed && EXTERNAL_NUMBER.test(number)) return;
    const orExternal = externalAllowed ? ' (and is not an external number of 3-20 digits either)' : '';
    report(path, `names DN ${number}, which is not configured${orExternal}`);
  } else if (dn.kind === 'trunk') {
    report(path, `names trunk ${number}; a destination must be an extension, route point, IVR or queue`);
  }
}
