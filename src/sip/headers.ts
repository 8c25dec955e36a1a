// Header names (one table: canonical spelling, compact form, list or single) and the ordered header collection of a message.

interface HeaderInfo {
  /** The spelling the serializer writes. */
  name: string;
  /** RFC 3261 §7.3.3 / IANA compact form. */
  compact?: string;
  /** A list header whose comma-separated values are separate entries (RFC 3261 §7.3.1). */
  list?: boolean;
  /** A header that may appear at most once; twice is a 400 (RFC 4475 §3.3.10). */
  single?: boolean;
}

const HEADER_TABLE: readonly HeaderInfo[] = [
  { name: 'Accept', list: true },
  { name: 'Accept-Contact', compact: 'a', list: true },
  { name: 'Accept-Encoding', list: true },
  { name: 'Accept-Language', list: true },
  { name: 'Alert-Info', list: true },
  { name: 'Allow', list: true },
  { name: 'Allow-Events', compact: 'u', list: true },
  { name: 'Authentication-Info' },
  { name: 'Authorization' },
  { name: 'Call-ID', compact: 'i', single: true },
  { name: 'Call-Info', list: true },
  { name: 'Contact', compact: 'm', list: true },
  { name: 'Content-Disposition' },
  { name: 'Content-Encoding', compact: 'e', list: true },
  { name: 'Content-Language', list: true },
  { name: 'Content-Length', compact: 'l', single: true },
  { name: 'Content-Type', compact: 'c', single: true },
  { name: 'CSeq', single: true },
  { name: 'Date' },
  { name: 'Error-Info', list: true },
  { name: 'Event', compact: 'o' },
  { name: 'Expires' },
  { name: 'From', compact: 'f', single: true },
  { name: 'Identity', compact: 'y' },
  { name: 'Identity-Info', compact: 'n' },
  { name: 'In-Reply-To', list: true },
  { name: 'Max-Forwards', single: true },
  { name: 'Min-Expires' },
  { name: 'Path', list: true },
  { name: 'Proxy-Authenticate' },
  { name: 'Proxy-Authorization' },
  { name: 'Proxy-Require', list: true },
  { name: 'Record-Route', list: true },
  { name: 'Refer-To', compact: 'r' },
  { name: 'Referred-By', compact: 'b' },
  { name: 'Reject-Contact', compact: 'j', list: true },
  { name: 'Request-Disposition', compact: 'd', list: true },
  { name: 'Require', list: true },
  { name: 'Retry-After' },
  { name: 'Route', list: true },
  { name: 'Service-Route', list: true },
  { name: 'Session-Expires', compact: 'x' },
  { name: 'Subject', compact: 's' },
  { name: 'Supported', compact: 'k', list: true },
  { name: 'To', compact: 't', single: true },
  { name: 'Unsupported', list: true },
  { name: 'User-Agent' },
  { name: 'Via', compact: 'v', list: true },
  { name: 'Warning', list: true },
  { name: 'WWW-Authenticate' },
];

const BY_KEY = new Map<string, HeaderInfo>();
for (const info of HEADER_TABLE) {
  BY_KEY.set(info.name.toLowerCase(), info);
  if (info.compact) BY_KEY.set(info.compact, info);
}

/** The key a header name compares by: lower-cased, compact forms expanded. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  const info = BY_KEY.get(lower);
  return info ? info.name.toLowerCase() : lower;
}

/** The spelling to write: the table's for known headers, the sender's for unknown ones. */
export function canonicalHeaderName(name: string): string {
  return BY_KEY.get(name.toLowerCase())?.name ?? name;
}

export function isListHeader(name: string): boolean {
  return BY_KEY.get(name.toLowerCase())?.list === true;
}

export function isSingleHeader(name: string): boolean {
  return BY_KEY.get(name.toLowerCase())?.single === true;
}

export interface SipHeaderField {
  name: string;
  value: string;
}

/** The headers of one message in order. Lookups are case-insensitive and understand compact forms; unknown headers are kept. */
export class SipHeaders implements Iterable<SipHeaderField> {
  private readonly fields: SipHeaderField[];

  constructor(fields: Iterable<SipHeaderField> = []) {
    this.fields = [...fields].map((f) => ({ name: canonicalHeaderName(f.name), value: f.value }));
  }

  /** The first value of `name`. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    return this.fields.find((f) => headerKey(f.name) === key)?.value;
  }

  /** Every value of `name`, in order (a list header's comma-separated values are separate entries already). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    return this.fields.filter((f) => headerKey(f.name) === key).map((f) => f.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  append(name: string, value: string): this {
    this.fields.push({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Adds a value before every other value of its name (a proxy's Via, a Record-Route). */
  prepend(name: string, value: string): this {
    this.fields.unshift({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Replaces every value of `name` with `value`, keeping the first one's place. */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => headerKey(f.name) === key);
    this.delete(name);
    this.fields.splice(at < 0 ? this.fields.length : at, 0, { name: canonicalHeaderName(name), value });
    return this;
  }

  /** Replaces only the first value of `name` (the top Via, when a hop stamps received/rport). */
  setFirst(name: string, value: string): this {
    const key = headerKey(name);
    const field = this.fields.find((f) => headerKey(f.name) === key);
    if (field) field.value = value;
    else this.append(name, value);
    return this;
  }

  delete(name: string): this {
    const key = headerKey(name);
    for (let i = this.fields.length - 1; i >= 0; i--) if (headerKey(this.fields[i]!.name) === key) this.fields.splice(i, 1);
    return this;
  }

  get size(): number {
    return this.fields.length;
  }

  clone(): SipHeaders {
    return new SipHeaders(this.fields);
  }

  /** Copies of the fields, in order: changing one does not change the message. */
  [Symbol.iterator](): Iterator<SipHeaderField> {
    return this.fields.map((f) => ({ ...f }))[Symbol.iterator]();
  }
}
