// What one receiver knows of one RTP source (RFC 3550 A.1 sequence tracking, A.3 loss, A.8 interarrival jitter).

/** A sequence number this far ahead of the highest seen is a jump, not loss (RFC 3550 A.1 MAX_DROPOUT). */
const MAX_DROPOUT_PACKETS = 3000;
/** A sequence number at most this far behind the highest seen is a reordered or duplicate packet (A.1 MAX_MISORDER). */
const MAX_MISORDER_PACKETS = 100;
const SEQ_MOD = 65536;

/** Reception statistics of the source currently heard: the figures an RTCP reception report block carries. */
export class ReceptionStats {
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = SEQ_MOD + 1;
  private started = false;
  private receivedPrior = 0;
  private expectedPrior = 0;
  private lastTimestamp = 0;
  private lastArrivalUnits = 0;
  /** Packets received (duplicates included, as RFC 3550 counts them). */
  received = 0;
  /** Interarrival jitter in timestamp units (RFC 3550 A.8), a running estimate with gain 1/16. */
  jitterUnits = 0;

  /** @param clockRateHz the media clock of the payload (8000 for G.711). */
  constructor(private readonly clockRateHz = 8000) {}

  /**
   * Counts one packet arriving at `arrivalMs`. Returns false when the sequence number jumped so far that the packet
   * is taken as the first of a restarted stream only once a second one follows it (A.1).
   */
  update(sequence: number, timestamp: number, arrivalMs: number): boolean {
    const arrivalUnits = (arrivalMs * this.clockRateHz) / 1000;
    if (!this.started) {
      this.restart(sequence);
      this.started = true;
    } else if (!this.trackSequence(sequence)) {
      return false;
    } else {
      // d = (R_j - R_i) - (S_j - S_i), with the timestamp difference taken modulo 2^32 as a signed value.
      const d = arrivalUnits - this.lastArrivalUnits - ((timestamp - this.lastTimestamp) | 0);
      this.jitterUnits += (Math.abs(d) - this.jitterUnits) / 16;
    }
    this.received++;
    this.lastTimestamp = timestamp;
    this.lastArrivalUnits = arrivalUnits;
    return true;
  }

  /**
   * Counts a packet of this source that carries no audio timing of its own (an RFC 4733 event, whose timestamp is
   * its event's start): it takes its place in the sequence, so it is neither lost nor a gap, but leaves the jitter
   * estimate alone (A.8 assumes each packet's timestamp is its sampling instant).
   */
  countSequenceOnly(sequence: number): void {
    if (!this.started) {
      this.restart(sequence);
      this.started = true;
    } else if (!this.trackSequence(sequence)) {
      return;
    }
    this.received++;
  }

  /** Highest sequence number received, extended with the count of wrap-arounds (A.1). */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected from the first sequence number to the highest. */
  get expected(): number {
    return this.started ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  /** Cumulative packets lost (A.3): expected minus received, negative when duplicates outnumber losses. */
  get cumulativeLost(): number {
    return this.expected - this.received;
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.jitterUnits * 1000) / this.clockRateHz;
  }

  /** Fraction lost since the previous call, as the 8-bit fixed-point value of a report block (A.3); starts a new interval. */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  }

  private restart(sequence: number): void {
    this.baseSeq = sequence;
    this.maxSeq = sequence;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  private trackSequence(sequence: number): boolean {
    const udelta = (sequence - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (udelta < MAX_DROPOUT_PACKETS) {
      if (sequence < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = sequence;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER_PACKETS) {
      // A very large jump: the source restarted, or a stray packet. Believe it when the next one follows it.
      if (sequence !== this.badSeq) {
        this.badSeq = (sequence + 1) % SEQ_MOD;
        return false;
      }
      this.restart(sequence);
    }
    return true;
  }
}
