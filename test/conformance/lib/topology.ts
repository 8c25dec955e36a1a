// What the conformance suite needs to know about the PBX under test: numbers and devices with known behaviours.

import { readFileSync } from 'node:fs';

/**
 * The PBX layout the cases rely on. The defaults describe Switchboard's demo PBX; against another PBX, give a JSON
 * file with the keys to change in CONFORMANCE_TOPOLOGY.
 */
export interface Topology {
  /** The application's route point (its client id is CONFORMANCE_CLIENT_ID). */
  routePoint: string;
  /** A DID that reaches the route point. */
  routePointDid: string;
  /** An extension with one device, direct control, that answers by itself after `directAnswerMs`. */
  directExtension: string;
  directDevice: string;
  directAnswerMs: number;
  /** An extension with two devices: a desk phone without direct control and a softphone with it that never answers by itself. */
  twoDeviceExtension: string;
  deskDevice: string;
  softDevice: string;
  /** A monitored extension with no registered device (a device id configured for it, unregistered). */
  unregisteredExtension: string;
  unregisteredDevice: string;
  /** A monitored extension whose phone rings and never answers. */
  neverAnswersExtension: string;
  /** An IVR the application monitors, its DID, a key of its menu and the DN that key reaches. */
  ivr: string;
  ivrDid: string;
  ivrKey: string;
  ivrKeyDestination: string;
  /** A queue the application monitors and its DID. */
  queue: string;
  queueDid: string;
  /** A DN that exists but is outside the application's scope (403). */
  outOfScopeDn: string;
  /** A DN that does not exist (404). */
  missingDn: string;
  /** External numbers: one answering by itself after `externalAnswerMs`, one busy, one never answering, one unreachable. */
  externalAnswers: string;
  externalAnswerMs: number;
  externalBusy: string;
  externalNeverAnswers: string;
  externalUnreachable: string;
  /** The caller id the suite's external callers use. */
  caller: string;
  /** The PBX's ring timeout. */
  ringTimeoutMs: number;
}

export const DEMO_TOPOLOGY: Topology = {
  routePoint: '800',
  routePointDid: '+15550100',
  directExtension: '100',
  directDevice: 'sip:100@127.0.0.1:5160',
  directAnswerMs: 1000,
  twoDeviceExtension: '101',
  deskDevice: 'sip:101@127.0.0.1:5161',
  softDevice: 'sip:101@127.0.0.1:5261;transport=tcp',
  unregisteredExtension: '102',
  unregisteredDevice: 'sip:102@127.0.0.1:5162',
  neverAnswersExtension: '103',
  ivr: '801',
  ivrDid: '+15550101',
  ivrKey: '1',
  ivrKeyDestination: '100',
  queue: '802',
  queueDid: '+15550102',
  outOfScopeDn: '10000',
  missingDn: '999',
  externalAnswers: '+15550199',
  externalAnswerMs: 1000,
  externalBusy: '+15550001',
  externalNeverAnswers: '+15550002',
  externalUnreachable: '+15550003',
  caller: '+15557654321',
  ringTimeoutMs: 30_000,
};

/** The demo topology with the keys of the CONFORMANCE_TOPOLOGY JSON file (if set) replaced. */
export function loadTopology(file: string | undefined): Topology {
  if (!file) return DEMO_TOPOLOGY;
  const overrides = JSON.parse(readFileSync(file, 'utf8')) as Partial<Topology>;
  const unknown = Object.keys(overrides).filter((key) => !(key in DEMO_TOPOLOGY));
  if (unknown.length > 0) throw new Error(`${file}: unknown topology keys ${unknown.join(', ')}`);
  return { ...DEMO_TOPOLOGY, ...overrides };
}
