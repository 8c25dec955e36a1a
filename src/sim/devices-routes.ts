// /sim routes of what answers calls: external numbers’ behaviours, extension phones, route points’ auto-answer.

import type { ApiInstance } from '../api/context.js';
import { withDeviceId } from '../api/ids.js';
import { errors, type SimRouteKit } from './route-kit.js';
import { DeviceParams, DevicePatchBody, DnParams, NumberBody, NumberParams, NumberResult, RegisterDeviceBody, RoutePointBody, SIM_DOC, SimDeviceSchema } from './schemas.js';

/** PUT /numbers/{number}, PUT|POST|DELETE /devices/..., PUT /routepoints/{dn}. */
export function registerDeviceRoutes(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, behaviours, requireExtension, knownDevice, deviceResult } = kit;
  app.put(
    '/numbers/:number',
    { schema: { ...SIM_DOC, operationId: 'simSetNumber', summary: 'Set what an external number does when called', params: NumberParams, body: NumberBody, response: { 200: NumberResult, ...errors(400, 401) } } },
    async (request) => {
      const { number } = request.params;
      behaviours.setExternal(number, request.body.behaviour, request.body.callerName);
      return { number, behaviour: behaviours.external(number), callerName: behaviours.externalCallerName(number) };
    },
  );

  app.put(
    '/devices/:dn/:deviceid',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simUpdateDevice',
        summary: 'Change a phone’s behaviour or direct control (applies to calls offered from now on)',
        params: DeviceParams,
        body: DevicePatchBody,
        response: { 200: SimDeviceSchema, ...errors(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const { dn } = request.params;
      requireExtension(dn);
      const deviceId = withDeviceId(request.params.deviceid, (id) => knownDevice(dn, id).id);
      if (request.body.directControl !== undefined) pbx.setDirectControl(dn, deviceId, request.body.directControl);
      if (request.body.behaviour !== undefined) behaviours.setDevice(dn, deviceId, request.body.behaviour);
      return deviceResult(dn, deviceId);
    },
  );
  registerDeviceLifecycleRoutes(app, kit);
}

/** POST and DELETE /devices/...: phones register and unregister; PUT /routepoints/{dn}. */
function registerDeviceLifecycleRoutes(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, behaviours, requireExtension, deviceResult } = kit;

  app.post(
    '/devices/:dn',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simRegisterDevice',
        summary: 'Register a phone on an extension (announced as a device Upsert)',
        params: DnParams,
        body: RegisterDeviceBody,
        response: { 201: SimDeviceSchema, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { dn } = request.params;
      requireExtension(dn);
      const { id, userAgent, directControl, behaviour } = request.body;
      pbx.registerDevice(dn, { id, userAgent, directControl });
      if (behaviour !== undefined) behaviours.setDevice(dn, id, behaviour);
      reply.code(201);
      return deviceResult(dn, id);
    },
  );

  app.delete(
    '/devices/:dn/:deviceid',
    {
      schema: { ...SIM_DOC, operationId: 'simUnregisterDevice', summary: 'Unregister a phone (its calls end; announced as a device Remove)', params: DeviceParams, response: { 200: SimDeviceSchema, ...errors(401, 404, 422) } },
    },
    async (request) => {
      const { dn } = request.params;
      requireExtension(dn);
      const device = withDeviceId(request.params.deviceid, (id) => pbx.unregisterDevice(dn, id));
      return deviceResult(dn, device.deviceId);
    },
  );

  app.put(
    '/routepoints/:dn',
    {
      schema: { ...SIM_DOC, operationId: 'simSetRoutePoint', summary: 'Turn a route point’s auto-answer on or off', params: DnParams, body: RoutePointBody, response: { 200: RoutePointBody, ...errors(400, 401, 404, 422) } },
    },
    async (request) => {
      pbx.setAutoAnswer(request.params.dn, request.body.autoAnswer);
      return { autoAnswer: pbx.isAutoAnswer(request.params.dn) };
    },
  );
}
