/** One API call as the server saw it: when the request arrived and when its answer was sent. */
export interface CallSpan {
  /** Epoch milliseconds, sub-millisecond resolution. */
  start: number;
  end: number;
}

/** Epoch milliseconds with sub-millisecond resolution, so calls of one process can be ordered. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/**
 * Serial rounds of API calls: the length of the longest chain of calls in which each call started
 * after the one before it had ended. Calls that overlap are one round; a client that waits for an
 * answer before asking the next question adds a round per question. Counted from the servers' logs
 * (pass the spans of every server involved), so it measures the client from the outside.
 */
export function serialRounds(spans: readonly CallSpan[]): number {
  const calls = [...spans].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  let best = 0;
  for (let i = 0; i < calls.length; i++) {
    let d = 1;
    for (let j = 0; j < i; j++) if (calls[j]!.end <= calls[i]!.start) d = Math.max(d, depth[j]! + 1);
    depth.push(d);
    best = Math.max(best, d);
  }
  return best;
}
