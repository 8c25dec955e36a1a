// GET /sim/sip/registrations, /sim/sip/trunks and /sim/sip/rtp: SIP phones registered now, SIP trunks' registrations and the RTP sessions of SIP legs (admin key, like all of /sim).

import { Type, type TSchema } from 'typebox';
import type { ApiInstance } from '../api/context.js';
import type { SipStatus } from '../api/sip-status.js';
import { registerRtpRoute } from './rtp.js';
import { SimErrorSchema } from './schemas.js';

export const SipRegistrationSchema = Type.Object({
  extension: Type.String(),
  aor: Type.String({ description: 'The address-of-record registered (scheme, user and host of To).' }),
  contact: Type.String({ description: 'The contact URI exactly as the phone sent it: the device_id of its device.' }),
  userAgent: Type.String(),
  source: Type.String({ description: 'Transport, address and port the registration came from.' }),
  expiresInSeconds: Type.Integer(),
});

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const SipTrunkSchema = Type.Object({
  trunk: Type.String({ description: 'The trunk DN.' }),
  name: Type.String(),
  provider: Type.String({ description: 'Transport, host and port of the provider (`udp:sip.example.com:5060`).' }),
  mode: Type.Union([Type.Literal('register'), Type.Literal('peer')], { description: 'register: the trunk registers to the provider; peer: the provider is known by its source addresses.' }),
  registration: nullable(
    Type.Object({
      state: Type.Union([Type.Literal('unregistered'), Type.Literal('registering'), Type.Literal('registered'), Type.Literal('failed')]),
      lastStatus: nullable(Type.Integer({ description: 'Status code of the last final answer to a REGISTER.' })),
      lastReason: nullable(Type.String({ description: 'Its reason phrase, or what went wrong without an answer (`no answer (timeout)`).' })),
      expiresInSeconds: nullable(Type.Integer({ description: 'Seconds left of the granted registration, while registered.' })),
      nextAttemptInSeconds: nullable(Type.Integer({ description: 'Seconds until the next REGISTER (a refresh or a retry after back-off).' })),
      registrations: Type.Integer({ description: 'REGISTERs answered 2xx since start, refreshes included.' }),
      failures: Type.Integer({ description: 'Attempts that ended without a registration since start.' }),
    }),
  ),
});

export function registerSipRoutes(app: ApiInstance, sip: SipStatus | undefined): void {
  app.get(
    '/sip/registrations',
    { schema: { tags: ['Simulation'], security: [{ adminKey: [] }], operationId: 'simListSipRegistrations', summary: 'SIP phones registered now (empty when SIP is off)', response: { 200: Type.Array(SipRegistrationSchema), 401: SimErrorSchema } } },
    async () => sip?.registrations() ?? [],
  );
  registerRtpRoute(app, sip);
  app.get(
    '/sip/trunks',
    { schema: { tags: ['Simulation'], security: [{ adminKey: [] }], operationId: 'simListSipTrunks', summary: 'SIP trunks and their registrations to the providers (empty when SIP is off or no trunk is SIP)', response: { 200: Type.Array(SipTrunkSchema), 401: SimErrorSchema } } },
    async () => sip?.trunks?.() ?? [],
  );
}
