// GET participants of a DN, one participant, and POST /callcontrol/{dnnumber}/participants/{id}/{action}.

import { Type } from 'typebox';
import type { Operation, Pbx } from '../../core/pbx.js';
import type { ParticipantAction } from '../../core/types.js';
import { pickFields } from '../body.js';
import { CALL_CONTROL_DOC, type ApiInstance, type CallControlContext } from '../context.js';
import { parseAction, parseParticipantId } from '../ids.js';
import { replyWithOperation } from '../outcome.js';
import { ActionBody, ActionParams, DnParams, ParticipantParams, ParticipantSchema, ResultSchema, resultErrors, type ActionBodyType } from '../schemas.js';
import { BODY_OPTIONAL } from '../openapi.js';
import { wireParticipant } from '../wire.js';

type BodyField = keyof ActionBodyType;

interface ActionSpec {
  /** The body fields the action reads; the others are ignored, even when malformed. */
  fields: readonly BodyField[];
  run(pbx: Pbx, dn: string, id: number, body: ActionBodyType): Operation;
  /** reasontext of a 200. */
  done: string;
}

const ROUTE_FIELDS: readonly BodyField[] = ['reason', 'destination', 'timeout'];

const route = (body: ActionBodyType) => ({ destination: body.destination ?? '', reason: body.reason });

const ACTIONS: Readonly<Record<ParticipantAction, ActionSpec>> = {
  drop: { fields: [], run: (pbx, dn, id) => pbx.drop(dn, id), done: 'the participant left the call' },
  answer: { fields: [], run: (pbx, dn, id) => pbx.answer(dn, id), done: 'the participant answered' },
  divert: { fields: ROUTE_FIELDS, run: (pbx, dn, id, body) => pbx.divert(dn, id, route(body)), done: 'the call was diverted: the new destination is ringing' },
  routeto: { fields: ROUTE_FIELDS, run: (pbx, dn, id, body) => pbx.routeTo(dn, id, route(body)), done: 'the new destination answered and took the place of the participant' },
  transferto: { fields: ROUTE_FIELDS, run: (pbx, dn, id, body) => pbx.transferTo(dn, id, route(body)), done: 'the transfer destination answered and took the place of the participant' },
  attach_participant_data: { fields: ['attacheddata'], run: (pbx, dn, id, body) => pbx.attachParticipantData(dn, id, body.attacheddata), done: "the data was attached to the participant's connection" },
  attach_party_data: { fields: ['attacheddata'], run: (pbx, dn, id, body) => pbx.attachPartyData(dn, id, body.attacheddata), done: "the data was attached to the other party's connection" },
};

export function registerParticipantRoutes(app: ApiInstance, context: CallControlContext): void {
  const { pbx } = context;

  app.get(
    '/:dnnumber/participants',
    {
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'listParticipants',
        summary: 'The participants of a DN',
        params: DnParams,
        response: { 200: Type.Array(ParticipantSchema), ...resultErrors(401, 403, 404) },
      },
    },
    async (request) => pbx.listParticipants(request.params.dnnumber).map(wireParticipant),
  );

  app.get(
    '/:dnnumber/participants/:id',
    {
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'getParticipant',
        summary: 'One participant of a DN',
        description: 'A participant that left, one of another DN, or an id that is not a decimal int32: 404.',
        params: ParticipantParams,
        response: { 200: ParticipantSchema, ...resultErrors(401, 403, 404) },
      },
    },
    async (request) => {
      const { dnnumber, id } = request.params;
      return wireParticipant(pbx.getParticipant(dnnumber, parseParticipantId(dnnumber, id)));
    },
  );

  app.post(
    '/:dnnumber/participants/:id/:action',
    {
      // The path was checked in onRequest, so the action is known here.
      preValidation: async (request) => {
        request.body = pickFields(request.body, ACTIONS[parseAction(request.params.action)].fields);
      },
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'participantAction',
        summary: 'Act on a participant',
        // drop and answer read no body: a client may send none.
        [BODY_OPTIONAL]: true,
        description:
          'drop (any state), answer (Ringing; direct control or route point), divert (Ringing), routeto (Ringing or Connected), ' +
          'transferto (Connected), attach_participant_data, attach_party_data. routeto and transferto wait up to `timeout` seconds ' +
          '(default 30) for the outcome: 200 once the destination answered, 424 when it failed, 202 while still pending.',
        params: ActionParams,
        body: ActionBody,
        response: { 200: ResultSchema, 202: ResultSchema, ...resultErrors(400, 401, 403, 404, 413, 422, 424) },
      },
    },
    async (request, reply) => {
      const { dnnumber, id, action } = request.params;
      const spec = ACTIONS[parseAction(action)];
      const operation = spec.run(pbx, dnnumber, parseParticipantId(dnnumber, id), request.body);
      return replyWithOperation(reply, context, operation, request.body.timeout, spec.done);
    },
  );
}
