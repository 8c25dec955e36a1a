// The /sim control plane and the web console as extensions of the HTTP application, for the composition root to serve.

import type { AppExtension } from '../api/app.js';
import type { SipStatus } from '../api/sip-status.js';
import type { PbxConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { SimulatedPbx } from '../endpoints/directory.js';
import type { MediaEngine } from '../media/engine.js';
import { registerConsole } from './console-server.js';
import { registerSimRoutes } from './routes.js';

export interface SimPlaneOptions {
  sim: SimulatedPbx;
  clock: Clock;
  config: PbxConfig;
  /** The key every /sim route and the console's live feed ask for. */
  adminKey: string;
  media: MediaEngine;
  /** The SIP server, when one runs: GET /sim/sip/registrations and /sim/sip/rtp list its registrations and RTP sessions. */
  sip?: SipStatus;
}

/** The /sim routes (under /sim) and the console (/console/ and its live feed /sim/live), in the order they are served. */
export function simPlane(options: SimPlaneOptions): AppExtension[] {
  const { sim, clock, config, adminKey, media } = options;
  return [
    { prefix: '/sim', register: (scope) => registerSimRoutes(scope, { sim, clock, config, adminKey, media, ...(options.sip ? { sip: options.sip } : {}) }) },
    { register: (scope, parts) => registerConsole(scope, { sim, clock, config, adminKey, media, hub: parts.hub }) },
  ];
}
