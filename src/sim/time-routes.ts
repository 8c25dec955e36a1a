// /sim routes of the PBX clock: read it, and move fake time forward.

import type { ApiInstance } from '../api/context.js';
import { ManualClock } from '../core/clock.js';
import { CoreError, ErrorCodes } from '../core/errors.js';
import { errors, type SimRouteKit } from './route-kit.js';
import { AdvanceBody, ClockSchema, SIM_DOC } from './schemas.js';

/** GET /clock and POST /clock/advance. */
export function registerTimeRoutes(app: ApiInstance, kit: SimRouteKit): void {
  const { clock } = kit;
  app.get('/clock', { schema: { ...SIM_DOC, operationId: 'simGetClock', summary: 'The PBX clock', response: { 200: ClockSchema, ...errors(401) } } }, async () => ({
    now: new Date(clock.now()).toISOString(),
    fake: clock instanceof ManualClock,
  }));

  app.post(
    '/clock/advance',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simAdvanceClock',
        summary: 'Move fake time forward (server started with --fake-clock): ring, menu and queue timeouts fire on demand',
        body: AdvanceBody,
        response: { 200: ClockSchema, ...errors(400, 401, 409) },
      },
    },
    async (request) => {
      if (!(clock instanceof ManualClock)) {
        throw new CoreError(ErrorCodes.INVALID_STATE, 'the clock is real: time only moves on demand when the server was started with --fake-clock');
      }
      clock.advance(request.body.ms);
      return { now: new Date(clock.now()).toISOString(), fake: true };
    },
  );
}
