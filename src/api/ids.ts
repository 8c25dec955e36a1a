// Path identifiers: participant ids (decimal int32, anything else is "not found") and device ids (raw or percent-encoded).

import { CoreError, ErrorCodes } from '../core/errors.js';
import { PARTICIPANT_ACTIONS, type ParticipantAction } from '../core/types.js';
import { ApiError, ApiErrorCodes } from './errors.js';

const INT32_MAX = 2_147_483_647;
const DECIMAL = /^[0-9]{1,10}$/;

/** A participant id as a path writes it (decimal, fits an int32), or undefined: such a text names no participant. */
export function decimalInt32(text: string): number | undefined {
  const id = DECIMAL.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(id) && id <= INT32_MAX ? id : undefined;
}

/** The participant id of a path; ParticipantNotFound (404) when it is not a decimal int32, never a 400. */
export function parseParticipantId(dn: string, text: string): number {
  const id = decimalInt32(text);
  if (id === undefined) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `DN ${dn} has no participant '${text}'`);
  return id;
}

export function parseAction(text: string): ParticipantAction {
  const action = PARTICIPANT_ACTIONS.find((candidate) => candidate === text);
  if (!action) throw new ApiError(ApiErrorCodes.UNKNOWN_ACTION, `unknown participant action '${text}': use one of ${PARTICIPANT_ACTIONS.join(', ')}`);
  return action;
}

function decodeOnce(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Runs `lookup` with the device id as the router decoded it, then (on DeviceNotFound) with one more round of
 * percent-decoding: clients send ids raw (`sip:101@10.0.0.21:5060`), encoded once, or encoded twice.
 */
export function withDeviceId<T>(deviceId: string, lookup: (id: string) => T): T {
  const decoded = decodeOnce(deviceId);
  const candidates = decoded !== undefined && decoded !== deviceId ? [deviceId, decoded] : [deviceId];
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      return lookup(candidate);
    } catch (error) {
      if (!(error instanceof CoreError) || error.code !== ErrorCodes.DEVICE_NOT_FOUND) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
