// /sim routes over the whole simulated world: its state, the recent removals, and reset.

import { Type } from 'typebox';
import type { ApiInstance } from '../api/context.js';
import { END_CALLS_SLICE_CALLS } from '../limits.js';
import { errors, type SimRouteKit } from './route-kit.js';
import { SIM_DOC, SimRemovalSchema, SimStateSchema } from './schemas.js';
import { buildState } from './state.js';

/** Lets the event loop turn once (I/O and timers run) before the next slice of work. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** GET /state and GET /removals. */
export function registerStateRoutes(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, behaviours, clock, removals, rtp } = kit;
  app.get('/state', { schema: { ...SIM_DOC, operationId: 'simGetState', summary: 'Everything: DNs, devices with behaviours, calls, simulated parties, clock', response: { 200: SimStateSchema, ...errors(401) } } }, async () =>
    buildState(pbx, behaviours, clock, rtp()),
  );

  app.get(
    '/removals',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simListRemovals',
        summary: 'Participants that left recently, with why (busy, no-answer, hangup, ...), oldest first',
        description: 'The Remove frame of the event socket carries no cause; this list does. Bounded: the most recent removals only.',
        response: { 200: Type.Array(SimRemovalSchema), ...errors(401) },
      },
    },
    async () => removals.list(),
  );
}

/** POST /reset: every call ends, and the configured world comes back. */
export function registerResetRoute(app: ApiInstance, kit: SimRouteKit): void {
  const { pbx, behaviours, clock, pendingDtmf } = kit;
  app.post('/reset', { schema: { ...SIM_DOC, operationId: 'simReset', summary: 'End every call and restore the configured devices, behaviours and settings', response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors(401) } } }, async () => {
    for (const handle of pendingDtmf) clock.clearTimeout(handle);
    pendingDtmf.clear();
    await pbx.endAllCallsInSlices(END_CALLS_SLICE_CALLS, nextTurn);
    pbx.reset();
    behaviours.reset();
    return { ok: true };
  });
}
