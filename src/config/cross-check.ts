// Cross-checks of a normalized configuration: what no single key can say wrong on its own (DN numbers, destinations, references).

import { CONFIG_LIMITS } from '../limits.js';
import { child, type Report } from './key-paths.js';
import { checkOutbound } from './outbound.js';
import { EXTERNAL_NUMBER } from './schema.js';
import { checkSip } from './sip.js';
import { checkTrunkSip } from './trunk-sip.js';
import type { PbxConfig } from './types.js';

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

/** Reports every problem between sections of config (each key on its own is already checked). */
export function crossCheck(config: PbxConfig, report: Report): void {
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
  checkTrunkSip(config, report);
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
