// Counts open connections per source address and refuses one beyond a limit, whatever the transport (HTTP, SIP over TCP/TLS).

/**
 * The canonical form of a peer address, so that one host is one key: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is
 * its IPv4 address, IPv6 is lower case, an absent address (a socket already gone) is `unknown`.
 */
export function canonicalSource(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/**
 * Open connections per source, with a limit. A transport calls `acquire(source)` when a connection arrives and
 * closes the connection at once when it answers false; it calls `release(source)` exactly once when an acquired
 * connection closes. Memory is bounded by the open connections (a source with none is forgotten).
 */
export class SourceLimiter {
  private readonly open = new Map<string, number>();
  private refusedCount = 0;

  constructor(private readonly maxPerSource: number) {}

  /** Counts a new connection from `source`; false (and nothing counted) when the source already has the maximum. */
  acquire(source: string): boolean {
    const count = this.open.get(source) ?? 0;
    if (count >= this.maxPerSource) {
      this.refusedCount++;
      return false;
    }
    this.open.set(source, count + 1);
    return true;
  }

  /** Forgets one connection of `source` (acquired before). */
  release(source: string): void {
    const count = this.open.get(source) ?? 0;
    if (count <= 1) this.open.delete(source);
    else this.open.set(source, count - 1);
  }

  /** Open connections of `source`. */
  count(source: string): number {
    return this.open.get(source) ?? 0;
  }

  /** Connections refused since start (for metrics). */
  get refused(): number {
    return this.refusedCount;
  }
}
