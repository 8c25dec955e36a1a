// A small SIP server assembled from src/sip for tests: transport, transaction layer, request checks, registrar and OPTIONS.

import { buildResponse } from '../../../src/sip/builders.js';
import type { SipClock } from '../../../src/sip/clock.js';
import { DigestServer } from '../../../src/sip/digest-server.js';
import { answerOptions, MemoryBindingStore, Registrar } from '../../../src/sip/registrar.js';
import { TransactionLayer } from '../../../src/sip/transaction-layer.js';
import { SipTransport } from '../../../src/sip/transport.js';
import { checkRequest, type RequestPolicy } from '../../../src/sip/validate.js';

const POLICY: RequestPolicy = { methods: ['REGISTER', 'OPTIONS', 'ACK', 'CANCEL', 'BYE'], extensions: ['path', 'outbound'], bodyTypes: ['application/sdp'] };

export async function startStackServer(clock: SipClock, passwords: Record<string, string>) {
  const store = new MemoryBindingStore(clock);
  const registrar = new Registrar({ clock, store, digest: new DigestServer({ realm: 'switchboard', clock }), password: (authUser, toUser) => (authUser === toUser ? passwords[authUser] : undefined) });
  const transport = new SipTransport({
    host: '127.0.0.1',
    port: 0,
    transports: ['udp', 'tcp'],
    clock,
    onMessage: (msg, source) => (msg.type === 'request' ? layer.receiveRequest(msg, source) : layer.receiveResponse(msg, source)),
  });
  const layer = new TransactionLayer({
    clock,
    send: (msg, peer) => transport.send(msg, peer),
    user: {
      request: (request, tx, source) => {
        if (!tx) return;
        const refusal = checkRequest(request, POLICY);
        if (refusal) {
          const res = buildResponse(request, refusal.status, { reason: refusal.reason, toTag: 'refused' });
          for (const [n, v] of refusal.headers) res.headers.append(n, v);
          return tx.respond(res);
        }
        if (request.method === 'REGISTER') return tx.respond(registrar.register(request, source));
        if (request.method === 'OPTIONS') return tx.respond(answerOptions(request, { allow: POLICY.methods, accept: POLICY.bodyTypes, supported: POLICY.extensions }));
        tx.respond(buildResponse(request, 481, { toTag: 'none' }));
      },
    },
  });
  const ports = await transport.start();
  return { ports, store, stop: () => transport.stop() };
}
