// GET /callcontrol/{dnnumber}/devices and /devices/{deviceid}: the registered devices of a DN.

import { Type } from 'typebox';
import { CALL_CONTROL_DOC, type ApiInstance, type CallControlContext } from '../context.js';
import { withDeviceId } from '../ids.js';
import { DeviceParams, DeviceSchema, DnParams, resultErrors } from '../schemas.js';
import { wireDevice } from '../wire.js';

export function registerDeviceRoutes(app: ApiInstance, { pbx }: CallControlContext): void {
  app.get(
    '/:dnnumber/devices',
    {
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'listDevices',
        summary: 'The registered devices of a DN',
        params: DnParams,
        response: { 200: Type.Array(DeviceSchema), ...resultErrors(401, 403, 404) },
      },
    },
    async (request) => pbx.listDevices(request.params.dnnumber).map(wireDevice),
  );

  app.get(
    '/:dnnumber/devices/:deviceid',
    {
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'getDevice',
        summary: 'One device of a DN',
        description: 'The device id matches raw (sip:101@10.0.0.21:5060) or percent-encoded.',
        params: DeviceParams,
        response: { 200: DeviceSchema, ...resultErrors(401, 403, 404) },
      },
    },
    async (request) => {
      const { dnnumber, deviceid } = request.params;
      return wireDevice(withDeviceId(deviceid, (id) => pbx.getDevice(dnnumber, id)));
    },
  );
}
