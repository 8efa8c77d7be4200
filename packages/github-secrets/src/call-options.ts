/** A wait GitHub's rate limit imposed, reported before it starts. */
export interface RateLimitWait {
  kind: 'primary' | 'secondary';
  /** What GitHub asked for, in seconds. */
  retryAfterSeconds: number;
  /** How long the client will actually wait (scaled by `timeScale`). */
  waitMs: number;
  /** 1 for the first retry of this request. */
  attempt: number;
  method: string;
  url: string;
}

/** Per-call options: a cancel signal and where this call's rate-limit waits are reported. */
export interface CallOptions {
  signal?: AbortSignal;
  onRateLimitWait?: (info: RateLimitWait) => void;
  /**
   * Send this write at once instead of waiting its turn behind the 1 s gap between writes, for
   * the few writes that must land together (the two secrets of one access key). GitHub asks for
   * the gap when a client makes many writes; rate-limit answers still fail the call.
   */
  unpaced?: boolean;
}
