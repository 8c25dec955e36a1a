// GET /sim/sip/registrations and /sim/sip/rtp: the SIP phones registered now and the RTP sessions of SIP legs (admin key, like all of /sim).

import { Type } from 'typebox';
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

export function registerSipRoutes(app: ApiInstance, sip: SipStatus | undefined): void {
  app.get(
    '/sip/registrations',
    { schema: { tags: ['Simulation'], security: [{ adminKey: [] }], operationId: 'simListSipRegistrations', summary: 'SIP phones registered now (empty when SIP is off)', response: { 200: Type.Array(SipRegistrationSchema), 401: SimErrorSchema } } },
    async () => sip?.registrations() ?? [],
  );
  registerRtpRoute(app, sip);
}
