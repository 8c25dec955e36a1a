// Validation of attached data: the string key/values an application attaches to a call or participant.

import { MAX_ATTACHED_DATA_ENTRIES, MAX_ATTACHED_DATA_KEY_CHARS, MAX_ATTACHED_DATA_VALUE_CHARS } from '../limits.js';
import { CoreError, ErrorCodes } from './errors.js';

/**
 * Checks that `data` is a flat object of strings (numbers and booleans are kept as their text, since clients
 * built on loosely typed dictionaries send them) and returns `existing` merged with it.
 * Null or undefined adds nothing. Errors: InvalidArgument.
 */
export function validateAttachedData(data: unknown, existing: Readonly<Record<string, string>> = {}): Record<string, string> {
  const merged: Record<string, string> = { ...existing };
  if (data === undefined || data === null) return merged;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new CoreError(ErrorCodes.INVALID_ARGUMENT, 'attacheddata must be an object of string values');
  }
  for (const [key, value] of Object.entries(data)) {
    if (key.length === 0 || key.length > MAX_ATTACHED_DATA_KEY_CHARS) {
      throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `attacheddata keys must be 1-${MAX_ATTACHED_DATA_KEY_CHARS} characters`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `attacheddata.${key} must be a string, got ${value === null ? 'null' : typeof value}`);
    }
    const text = String(value);
    if (text.length > MAX_ATTACHED_DATA_VALUE_CHARS) {
      throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `attacheddata.${key} is longer than ${MAX_ATTACHED_DATA_VALUE_CHARS} characters`);
    }
    merged[key] = text;
  }
  if (Object.keys(merged).length > MAX_ATTACHED_DATA_ENTRIES) {
    throw new CoreError(ErrorCodes.INVALID_ARGUMENT, `at most ${MAX_ATTACHED_DATA_ENTRIES} attached data entries per participant`);
  }
  return merged;
}
