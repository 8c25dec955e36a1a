// Entity paths of the Call Control API (`/callcontrol/{dn}/participants/{id}`, `.../devices/{deviceid}`): build and parse.

/** What an event's `entity` names. */
export type Entity = { kind: 'participant'; dn: string; id: number } | { kind: 'device'; dn: string; deviceId: string };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not valid percent-encoding: take it as sent
  }
}

/** `/callcontrol/{dn}/participants/{id}`. */
export function participantPath(dn: string, id: number): string {
  return `/callcontrol/${encodeURIComponent(dn)}/participants/${id}`;
}

/** `/callcontrol/{dn}/devices/{deviceid}` with the device id percent-encoded (it contains `:`, `@`, `;`). */
export function devicePath(dn: string, deviceId: string): string {
  return `/callcontrol/${encodeURIComponent(dn)}/devices/${encodeURIComponent(deviceId)}`;
}

/** The participant or device an entity path names (ids decoded), or undefined for any other path. */
export function parseEntity(entity: string): Entity | undefined {
  const match = /^\/callcontrol\/([^/]+)\/(participants|devices)\/([^/]+)\/?$/.exec(entity);
  if (!match) return undefined;
  const dn = decodeSegment(match[1]!);
  if (match[2] === 'devices') return { kind: 'device', dn, deviceId: decodeSegment(match[3]!) };
  const id = /^[0-9]+$/.test(match[3]!) ? Number(match[3]) : Number.NaN;
  return Number.isSafeInteger(id) ? { kind: 'participant', dn, id } : undefined;
}

/**
 * The participant id in a participant entity path.
 * @throws TypeError when the path names no participant.
 */
export function participantIdOf(entity: string): number {
  const parsed = parseEntity(entity);
  if (parsed?.kind !== 'participant') throw new TypeError(`'${entity}' is not a participant path (/callcontrol/{dn}/participants/{id})`);
  return parsed.id;
}
