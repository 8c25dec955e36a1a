// POST /callcontrol/{dnnumber}/makecall and /devices/{deviceid}/makecall: place a call from a DN or one of its devices.

import { CALL_CONTROL_DOC, type ApiInstance, type CallControlContext } from '../context.js';
import { pickFields } from '../body.js';
import { withDeviceId } from '../ids.js';
import { replyWithOperation } from '../outcome.js';
import { DeviceParams, DnParams, MakeCallBody, ResultSchema, resultErrors, type MakeCallBodyType } from '../schemas.js';
import type { Pbx } from '../../core/pbx.js';

/** The makecall body fields read (`reason` is free text some clients send, and ignored). */
const FIELDS = ['destination', 'timeout', 'attacheddata'] as const;

const RESPONSES = { 200: ResultSchema, 202: ResultSchema, ...resultErrors(400, 401, 403, 404, 413, 422, 424) };

function makeCall(pbx: Pbx, dn: string, deviceId: string | undefined, body: MakeCallBodyType) {
  return pbx.makeCall({ dn, deviceId, destination: body.destination ?? '', timeoutSeconds: body.timeout, attachedData: body.attacheddata });
}

export function registerMakeCallRoutes(app: ApiInstance, context: CallControlContext): void {
  const preValidation = async (request: { body: unknown }) => {
    request.body = pickFields(request.body, FIELDS);
  };

  app.post(
    '/:dnnumber/makecall',
    {
      preValidation,
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'makeCall',
        summary: 'Place a call from a DN',
        description:
          'With exactly one device, behaves as the device form (200 with the originating participant). Otherwise every device rings, ' +
          'the first to pick up dials, and the response waits up to `timeout` seconds (default 30) for that: 200 with the participant, ' +
          'or 202 with result null while nobody has picked up.',
        params: DnParams,
        body: MakeCallBody,
        response: RESPONSES,
      },
    },
    async (request, reply) => {
      const operation = makeCall(context.pbx, request.params.dnnumber, undefined, request.body);
      return replyWithOperation(reply, context, operation, request.body.timeout, 'the call is being placed');
    },
  );

  app.post(
    '/:dnnumber/devices/:deviceid/makecall',
    {
      preValidation,
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'makeCallFromDevice',
        summary: 'Place a call from one device',
        description:
          'The response names the originating participant: Dialing when the device goes off-hook by itself (direct control, route point, IVR, queue), ' +
          'Ringing when the device is rung first and dials once picked up.',
        params: DeviceParams,
        body: MakeCallBody,
        response: RESPONSES,
      },
    },
    async (request, reply) => {
      const { dnnumber, deviceid } = request.params;
      const operation = withDeviceId(deviceid, (id) => makeCall(context.pbx, dnnumber, id, request.body));
      return replyWithOperation(reply, context, operation, request.body.timeout, 'the call is being placed');
    },
  );
}
