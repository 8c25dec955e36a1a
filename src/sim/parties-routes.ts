// /sim routes of simulated parties: list, read, press keys, answer, reject, busy, hang up.

import { Type } from 'typebox';
import type { ApiInstance } from '../api/context.js';
import { CoreError } from '../core/errors.js';
import { errors, SimRequestError, type SimRouteKit } from './route-kit.js';
import { DtmfBody, PartyActionParams, PartyActionResult, PartyParams, SIM_DOC, SimPartySchema } from './schemas.js';
import { buildState, partyOf } from './state.js';

/** GET /parties and GET /parties/{id}, then the routes by which a party acts (dtmf, answer, reject, busy, hangup). */
export function registerPartyRoutes(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, behaviours, clock, requireParty, rtp } = kit;
  app.get('/parties', { schema: { ...SIM_DOC, operationId: 'simListParties', summary: 'Every simulated party (phones and external people on calls)', response: { 200: Type.Array(SimPartySchema), ...errors(401) } } }, async () =>
    buildState(pbx, behaviours, clock, rtp()).parties,
  );

  app.get('/parties/:id', { schema: { ...SIM_DOC, operationId: 'simGetParty', summary: 'One simulated party', params: PartyParams, response: { 200: SimPartySchema, ...errors(401, 404) } } }, async (request) =>
    partyOf(pbx, requireParty(request.params.id), rtp()),
  );
  registerDtmfRoute(app, kit);
  registerPartyActionRoute(app, kit);
}

/** POST /parties/{id}/dtmf: the party presses keys, at once or one every intervalMs of PBX time. */
function registerDtmfRoute(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, clock, pendingDtmf, requireParty, partyNow } = kit;

  app.post(
    '/parties/:id/dtmf',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simSendDtmf',
        summary: 'The party presses keys: each digit reaches the participant it talks to as a DTMF event',
        params: PartyParams,
        body: DtmfBody,
        response: { 200: PartyActionResult, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const party = requireParty(request.params.id);
      const { digits, intervalMs = 0 } = request.body;
      if (intervalMs === 0) {
        pbx.sendDtmf(party.id, digits);
      } else {
        pbx.sendDtmf(party.id, digits[0]!); // the first key now: refuses at once if the party cannot press keys
        let index = 1;
        const next = () => {
          if (index >= digits.length) return;
          const handle = clock.setTimeout(() => {
            pendingDtmf.delete(handle);
            try {
              pbx.sendDtmf(party.id, digits[index++]!);
              next();
            } catch (error) {
              if (!(error instanceof CoreError)) throw error; // the party left or the call changed: stop typing
            }
          }, intervalMs);
          pendingDtmf.add(handle);
        };
        next();
      }
      return { party: partyNow(party.id) };
    },
  );
}

/** POST /parties/{id}/{action}: answer, reject, busy, hangup. */
function registerPartyActionRoute(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, requireParty, partyNow } = kit;

  app.post(
    '/parties/:id/:action',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simPartyAction',
        summary: 'The party answers, rejects, is busy, or hangs up',
        description: 'answer, reject and busy need a Ringing party (409 otherwise); hangup works in any state.',
        params: PartyActionParams,
        response: { 200: PartyActionResult, ...errors(401, 404, 409) },
      },
    },
    async (request) => {
      const { id, action } = request.params;
      const party = requireParty(id);
      switch (action) {
        case 'answer':
          pbx.endpointAnswer(party.id);
          break;
        case 'reject':
          pbx.endpointReject(party.id, 'rejected');
          break;
        case 'busy':
          pbx.endpointReject(party.id, 'busy');
          break;
        case 'hangup':
          pbx.endpointHangup(party.id);
          break;
        default:
          throw new SimRequestError(404, 'UnknownAction', `unknown party action '${action}': use answer, reject, busy, hangup or dtmf`);
      }
      return { party: partyNow(party.id) };
    },
  );
}
