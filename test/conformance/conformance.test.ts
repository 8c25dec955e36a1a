// The 3CX Call Control API conformance suite: every endpoint, event and quirk of PROTOCOL.md, over the network only,
// run once over https:// + wss:// and once over http:// + ws:// against one server. See docs/conformance.md.

import { after, describe } from 'node:test';
import { actionCases } from './lib/cases/actions.js';
import { eventCases } from './lib/cases/events.js';
import { makecallCases } from './lib/cases/makecall.js';
import { readCases } from './lib/cases/reads.js';
import { streamCases } from './lib/cases/streams.js';
import { tokenCases } from './lib/cases/token.js';
import type { Case } from './lib/context.js';
import { openTarget } from './lib/target.js';

const target = await openTarget();
after(() => target.close());

for (const endpoint of target.endpoints) {
  describe(`conformance over ${endpoint.base} (${endpoint.scheme === 'https' ? 'https + wss' : 'http + ws'})`, () => {
    const c: Case = { target, endpoint, api: target.api(endpoint), topo: target.topology };
    tokenCases(c);
    readCases(c);
    makecallCases(c);
    actionCases(c);
    eventCases(c);
    streamCases(c);
  });
}
