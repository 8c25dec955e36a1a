// Which paths a socket request may run: the documented makecall and participant action shapes, nothing a URL parser could move.

import { PARTICIPANT_ACTIONS } from '../../core/types.js';

const PREFIX = '/callcontrol/';

/** A segment that is plain after decoding: valid percent-encoding, not `.` or `..`, no slash, backslash or NUL. */
function plainSegment(raw: string): boolean {
  if (raw === '') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return false;
  }
  return decoded !== '.' && decoded !== '..' && !/[/\\\0]/.test(decoded);
}

/**
 * Whether `path` is one of the three POST shapes a socket request may run, exactly as written:
 * `/callcontrol/{dn}/makecall`, `/callcontrol/{dn}/devices/{deviceid}/makecall` and
 * `/callcontrol/{dn}/participants/{id}/{action}` with a documented action. Every segment must be plain (see above),
 * so no spelling of `..` (`%2e%2e`, `.%2E`), no backslash, empty segment (`//`), query or fragment can make the
 * dispatch land on another route. What each segment names (a DN that exists, a participant) is the route's business.
 */
export function isSocketActionPath(path: string): boolean {
  if (!path.startsWith(PREFIX) || /[?#\\]/.test(path)) return false;
  const segments = path.slice(PREFIX.length).split('/');
  if (!segments.every(plainSegment)) return false;
  const [, kind] = segments;
  switch (segments.length) {
    case 2:
      return kind === 'makecall';
    case 4:
      if (kind === 'devices') return segments[3] === 'makecall';
      if (kind === 'participants') return PARTICIPANT_ACTIONS.some((action) => action === segments[3]);
      return false;
    default:
      return false;
  }
}
