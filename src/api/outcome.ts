// Answering a command: at once when its outcome is known, else after waiting for it (routeto, transferto, DN-form makecall) on the injected clock.

import type { FastifyReply } from 'fastify';
import type { Clock, TimerHandle } from '../core/clock.js';
import { CoreError } from '../core/errors.js';
import type { Operation, Outcome, Pbx } from '../core/pbx.js';
import type { ParticipantView } from '../core/types.js';
import { DEFAULT_ACTION_TIMEOUT_SECONDS } from '../limits.js';
import { resolveError } from './errors.js';
import type { ResultBody } from './schemas.js';
import { errorBody, successBody } from './wire.js';

export type WaitResult = { settled: true; outcome: Outcome } | { settled: false };

/** The wait bound for a body's `timeout`: absent or 0 is the default, in milliseconds. */
export function waitBoundMs(timeoutSeconds: number | undefined): number {
  return (timeoutSeconds && timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_ACTION_TIMEOUT_SECONDS) * 1000;
}

/**
 * Resolves with the outcome once the operation settles (at once if it already has), or `{settled: false}` when
 * `timeoutMs` passes on `clock` or `signal` aborts first. The timer is always cleared when the wait ends.
 * (The core offers no way to withdraw an onSettled callback; a late outcome finds the wait finished and is ignored.)
 */
export function waitForOutcome(operation: Operation, clock: Clock, timeoutMs: number, signal: AbortSignal): Promise<WaitResult> {
  return new Promise((resolve) => {
    // The outcome may arrive synchronously inside onSettled, before the timer exists.
    const wait: { done: boolean; timer: TimerHandle | undefined } = { done: false, timer: undefined };
    const finish = (result: WaitResult) => {
      if (wait.done) return;
      wait.done = true;
      clock.clearTimeout(wait.timer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => finish({ settled: false });
    operation.onSettled((outcome) => finish({ settled: true, outcome }));
    if (wait.done) return;
    if (signal.aborted) {
      finish({ settled: false });
      return;
    }
    wait.timer = clock.setTimeout(() => finish({ settled: false }), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Aborts the returned signal when the client goes away before the response is sent, or when `shutdown` aborts.
 * Call `release` once the wait is over.
 */
export function requestSignal(reply: FastifyReply, shutdown: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  const onShutdown = () => controller.abort();
  reply.raw.once('close', onClose);
  shutdown.addEventListener('abort', onShutdown, { once: true });
  if (shutdown.aborted) controller.abort();
  return {
    signal: controller.signal,
    release: () => {
      reply.raw.off('close', onClose);
      shutdown.removeEventListener('abort', onShutdown);
    },
  };
}

/** The participant as it is now, or as last seen if it has left. */
export function latestView(pbx: Pbx, view: ParticipantView | undefined): ParticipantView | undefined {
  if (!view || !pbx.participantDetail(view.id)) return view;
  return pbx.getParticipant(view.dn, view.id);
}

export interface OperationResponse {
  status: number;
  body: ResultBody;
}

/**
 * 200 with the participant when the operation succeeded; the error's status when it failed; 202 with the
 * participant known so far (or null) when the outcome is still pending.
 */
export function operationResponse(pbx: Pbx, operation: Operation, wait: WaitResult, doneText: string): OperationResponse {
  if (!wait.settled) {
    return { status: 202, body: successBody(latestView(pbx, operation.participant), 'accepted: the outcome is still pending; watch the participants of the DN for it') };
  }
  const outcome = wait.outcome;
  if (outcome.ok) return { status: 200, body: successBody(latestView(pbx, outcome.participant ?? operation.participant), doneText) };
  const error = resolveError(new CoreError(outcome.code, outcome.message));
  return { status: error.status, body: errorBody(error) };
}

/**
 * Sends the response of a command: at once when its outcome is known, else after waiting up to `timeoutSeconds`
 * (absent or 0: DEFAULT_ACTION_TIMEOUT_SECONDS) on the injected clock. A client that disconnects ends the wait.
 */
export async function replyWithOperation(
  reply: FastifyReply,
  context: { pbx: Pbx; clock: Clock; shutdown: AbortSignal },
  operation: Operation,
  timeoutSeconds: number | undefined,
  doneText: string,
): Promise<FastifyReply> {
  let wait: WaitResult;
  if (operation.outcome) {
    wait = { settled: true, outcome: operation.outcome };
  } else {
    const { signal, release } = requestSignal(reply, context.shutdown);
    try {
      wait = await waitForOutcome(operation, context.clock, waitBoundMs(timeoutSeconds), signal);
    } finally {
      release();
    }
  }
  const response = operationResponse(context.pbx, operation, wait, doneText);
  return reply.code(response.status).send(response.body);
}
