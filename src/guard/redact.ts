// Keeps credentials out of logs: query parameters that can carry one are replaced before a request target is logged.

/** Parameter names (compared case-insensitively, after percent-decoding) whose values are credentials. */
const SECRET_PARAMETERS = new Set([
  'access_token',
  'token',
  'id_token',
  'refresh_token',
  'key',
  'api_key',
  'apikey',
  'admin_key',
  'adminkey',
  'client_secret',
  'secret',
  'password',
  'passwd',
  'pwd',
  'auth',
  'authorization',
  'signature',
  'sig',
]);

export const REDACTED = '[redacted]';

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** True when a parameter of this name carries a credential. */
export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETERS.has(decodedName(name));
}

/**
 * A request target (`/path?query`) fit for a log: the value of every credential-bearing query parameter is replaced
 * by `[redacted]`; the path and other parameters are kept as sent. Works on any `path?a=b&c=d` target (HTTP, SIP URI
 * headers alike); a fragment, which clients do not send, is dropped with the query's secrets in mind.
 */
export function redactTarget(target: string): string {
  const question = target.indexOf('?');
  if (question < 0) return target;
  const query = target.slice(question + 1).split('#')[0] ?? '';
  const parts = query.split(/([&;])/).map((part) => {
    if (part === '&' || part === ';') return part;
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    return isSecretParameter(name) ? `${name}=${REDACTED}` : part;
  });
  return `${target.slice(0, question)}?${parts.join('')}`;
}
