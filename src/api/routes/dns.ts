// GET /callcontrol and GET /callcontrol/{dnnumber}: the DNs an application sees, with their devices and participants.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ApplicationConfig } from '../../config/types.js';
import type { Pbx } from '../../core/pbx.js';
import { visibleDns } from '../auth/scope.js';
import { applicationOf, CALL_CONTROL_DOC, type ApiInstance, type CallControlContext } from '../context.js';
import { DnInfoSchema, DnParams, resultErrors } from '../schemas.js';
import { wireDnInfo } from '../wire.js';

/**
 * The serialised list of each application, made again only after the PBX changed. Applications poll GET /callcontrol
 * (dialers every second or so, with hundreds of DNs); between two changes they get the same bytes without the server
 * walking and serialising every DN again. Every change of what the list shows is a PBX event (the event socket's
 * mirror-equals-server tests rely on the same property), so counting events tells when a list is stale.
 */
class DnListCache {
  private version = 0;
  private readonly lists = new Map<string, { version: number; text: string }>();

  constructor(pbx: Pbx) {
    pbx.subscribe(() => {
      this.version++;
    });
  }

  text(application: ApplicationConfig, serialise: () => string): string {
    const cached = this.lists.get(application.clientId);
    if (cached?.version === this.version) return cached.text;
    const text = serialise();
    this.lists.set(application.clientId, { version: this.version, text });
    return text;
  }
}

export function registerDnRoutes(app: ApiInstance, { pbx }: CallControlContext): void {
  const cache = new DnListCache(pbx);
  const listVisible = async (request: FastifyRequest, reply: FastifyReply) => {
    const application = applicationOf(request);
    // reply.serialize uses the route's response schema, so the bytes are those fastify would send.
    const text = cache.text(application, () => String(reply.serialize(visibleDns(pbx, application).map((dn) => wireDnInfo(pbx.getDn(dn))))));
    return reply.type('application/json; charset=utf-8').send(text);
  };
  const listSchema = {
    ...CALL_CONTROL_DOC,
    operationId: 'listDns',
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
        operationId: 'getDn',
        summary: 'One DN with its devices and participants',
        params: DnParams,
        response: { 200: DnInfoSchema, ...resultErrors(401, 403, 404) },
      },
    },
    async (request) => wireDnInfo(pbx.getDn(request.params.dnnumber)),
  );
}
