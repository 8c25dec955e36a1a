// /sim route placing calls: an external number calls in, or an extension’s phone dials out.

import type { ApiInstance } from '../api/context.js';
import { withDeviceId } from '../api/ids.js';
import { CoreError, ErrorCodes } from '../core/errors.js';
import { errors, type SimRouteKit } from './route-kit.js';
import { PlaceCallBody, PlaceCallResult, SIM_DOC } from './schemas.js';
import { partyOf } from './state.js';

/** POST /calls. */
export function registerCallRoutes(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, requireExtension, rtp } = kit;
  app.post(
    '/calls',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simPlaceCall',
        summary: 'Place a call: an external number calls in, or an extension’s phone dials out',
        body: PlaceCallBody,
        response: { 201: PlaceCallResult, ...errors(400, 401, 404, 409, 422, 424) },
      },
    },
    async (request, reply) => {
      const { from, to, callerName, did, device } = request.body;
      let origin;
      if (pbx.hasDn(from)) {
        requireExtension(from);
        const deviceId = device ?? pbx.listDevices(from)[0]?.deviceId;
        if (deviceId === undefined) throw new CoreError(ErrorCodes.DEVICE_NOT_REGISTERED, `extension ${from} has no registered phone to dial from`);
        origin = withDeviceId(deviceId, (id) => pbx.dialFromDevice(from, id, did ?? to));
      } else {
        origin = pbx.placeInboundCall({ from, to: did ?? to, callerName });
      }
      reply.code(201);
      return { callId: origin.callId, partyId: origin.id, party: partyOf(pbx, pbx.participantDetail(origin.id)!, rtp()) };
    },
  );
}
