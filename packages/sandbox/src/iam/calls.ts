import { preciseNow } from '../spans.js';

/** One call the server answered. */
export interface CallRecord {
  seq: number;
  service: 'iam' | 'sts';
  action: string;
  /** Whether the action changes state (everything but Get*, List*). */
  write: boolean;
  status: number;
  /** Error code when the call failed. */
  code?: string;
  accessKeyId?: string;
  /** When the call ended (epoch ms), as `end`. */
  at: number;
  /** When the request arrived and when its answer was sent: epoch ms, sub-millisecond resolution. */
  start: number;
  end: number;
}

/** Every call with its start and end, counted per action and writes vs reads, for tests and benchmarks. */
export class CallLog {
  #log: CallRecord[] = [];

  record(entry: Omit<CallRecord, 'seq' | 'at' | 'end'>): void {
    const end = preciseNow();
    this.#log.push({ ...entry, seq: this.#log.length + 1, at: Math.round(end), end });
  }

  get log(): readonly CallRecord[] {
    return this.#log;
  }
  get total(): number {
    return this.#log.length;
  }
  get writes(): number {
    return this.#log.filter((c) => c.write).length;
  }
  get reads(): number {
    return this.#log.filter((c) => !c.write).length;
  }

  /** Calls per action (`{ CreateUser: 1, GetUser: 2 }`), optionally only writes or only reads. */
  byAction(filter: 'all' | 'writes' | 'reads' = 'all'): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.#log) {
      if (filter === 'writes' && !c.write) continue;
      if (filter === 'reads' && c.write) continue;
      out[c.action] = (out[c.action] ?? 0) + 1;
    }
    return out;
  }

  count(action: string): number {
    return this.#log.filter((c) => c.action === action).length;
  }

  reset(): void {
    this.#log = [];
  }
}
