// GET /callcontrol and GET /callcontrol/{dnnumber}: the DNs an application sees, with their devices and participants.

import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { visibleDns } from '../auth/scope.js';
import { applicationOf, CALL_CONTROL_DOC, type ApiInstance, type CallControlContext } from '../context.js';
import { DnInfoSchema, DnParams, resultErrors } from '../schemas.js';
import { wireDnInfo } from '../wire.js';

export function registerDnRoutes(app: ApiInstance, { pbx }: CallControlContext): void {
  const listVisible = async (request: FastifyRequest) => visibleDns(pbx, applicationOf(request)).map((dn) => wireDnInfo(pbx.getDn(dn)));
  const listSchema = {
    ...CALL_CONTROL_DOC,
    summary: 'List the DNs this application sees',
    description: "The application's route point first, then its monitored DNs in configured order, each with its devices and participants.",
    response: { 200: Type.Array(DnInfoSchema), ...resultErrors(401, 403) },
  };
  app.get('', { schema: listSchema }, listVisible);
  // A base URL ending in "/" gives "/callcontrol/": the same list, not DN "" (kept out of the OpenAPI document).
  app.get('/', { prefixTrailingSlash: 'slash', schema: { ...listSchema, hide: true } }, listVisible);

  app.get(
    '/:dnnumber',
    {
      schema: {
        ...CALL_CONTROL_DOC,
        summary: 'One DN with its devices and participants',
        params: DnParams,
        response: { 200: DnInfoSchema, ...resultErrors(401, 403, 404) },
      },
    },
    async (request) => wireDnInfo(pbx.getDn(request.params.dnnumber)),
  );
}
