/** A one-off (or few-off) failure: the next matching call(s) answer with this error. */
export interface FaultSpec {
  /** Action name (`CreateAccessKey`); any action when omitted. */
  action?: string;
  /** Error code, e.g. `ServiceFailure`, `Throttling`, `AccessDenied`, `LimitExceeded`. */
  code: string;
  /** HTTP status; the documented one for the code when omitted. */
  status?: number;
  message?: string;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface IamServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep the world in this JSON file (re-read on every request, written atomically). */
  stateFile?: string;
  /**
   * New access keys are refused by STS and IAM (InvalidClientTokenId) for this long after
   * CreateAccessKey, in sandbox ms: 10,000 by default, as AWS commonly takes 10-15 s. 0 turns it off.
   */
  propagationDelayMs?: number;
  /**
   * Real milliseconds per sandbox millisecond for the propagation delay: 0.01 makes its 10 s last
   * 100 ms. Default from CREDS_SANDBOX_TIME_SCALE, else 1 (the GitHub server reads the same variable).
   */
  timeScale?: number;
  /** Added to every call (ms). */
  latencyMs?: number;
  /** Fraction (0..1) of calls that fail with Throttling or ServiceFailure. */
  errorRate?: number;
  /** Codes the error rate picks from (default Throttling and ServiceFailure). */
  errorCodes?: string[];
  faults?: FaultSpec[];
  /** Default 123456789012. */
  accountId?: string;
  /** Seed for ids and the error rate; random when omitted. */
  seed?: number;
  /**
   * The most items one page of a List answer holds, whatever MaxItems asks: IAM may answer fewer
   * than MaxItems while more follow, and clients must page on. Default: MaxItems (100 unless given).
   */
  listPageLimit?: number;
  /** The administrator's key: it may call every IAM action. */
  admin?: { accessKeyId?: string; secretAccessKey?: string; userName?: string };
}

/**
 * Fault injection from the environment, for servers started by scripts:
 * CREDS_SANDBOX_LATENCY_MS, CREDS_SANDBOX_ERROR_RATE, CREDS_SANDBOX_PROPAGATION_MS, CREDS_SANDBOX_TIME_SCALE,
 * CREDS_SANDBOX_STATE_FILE, CREDS_SANDBOX_SEED, CREDS_SANDBOX_ACCOUNT_ID, CREDS_SANDBOX_LIST_PAGE_LIMIT and
 * CREDS_SANDBOX_FAULTS (`CreateAccessKey=ServiceFailure*2,CreateUser=Throttling`).
 * Options given in code win.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): IamServerOptions {
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
    return value;
  };
  const out: IamServerOptions = {};
  const latency = num('CREDS_SANDBOX_LATENCY_MS');
  if (latency !== undefined) out.latencyMs = latency;
  const rate = num('CREDS_SANDBOX_ERROR_RATE');
  if (rate !== undefined) out.errorRate = rate;
  const propagation = num('CREDS_SANDBOX_PROPAGATION_MS');
  if (propagation !== undefined) out.propagationDelayMs = propagation;
  const scale = num('CREDS_SANDBOX_TIME_SCALE');
  if (scale !== undefined && scale > 0) out.timeScale = scale;
  const pageLimit = num('CREDS_SANDBOX_LIST_PAGE_LIMIT');
  if (pageLimit !== undefined) {
    if (!Number.isInteger(pageLimit) || pageLimit < 1) throw new Error(`CREDS_SANDBOX_LIST_PAGE_LIMIT=${pageLimit} is not a whole number of at least 1`);
    out.listPageLimit = pageLimit;
  }
  const seed = num('CREDS_SANDBOX_SEED');
  if (seed !== undefined) out.seed = seed;
  if (env['CREDS_SANDBOX_STATE_FILE']) out.stateFile = env['CREDS_SANDBOX_STATE_FILE'];
  if (env['CREDS_SANDBOX_ACCOUNT_ID']) out.accountId = env['CREDS_SANDBOX_ACCOUNT_ID'];
  if (env['CREDS_SANDBOX_FAULTS']) out.faults = parseFaults(env['CREDS_SANDBOX_FAULTS']);
  return out;
}

export function parseFaults(text: string): FaultSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(?:(\w+)=)?(\w+)(?:\*(\d+))?$/.exec(item);
      if (!m) throw new Error(`CREDS_SANDBOX_FAULTS: "${item}" is not Action=Code or Action=Code*N`);
      return { ...(m[1] ? { action: m[1] } : {}), code: m[2]!, times: m[3] ? Number(m[3]) : 1 };
    });
}

/** Mutable runtime settings (not part of the persisted world). */
export interface RuntimeSettings {
  latencyMs: number;
  errorRate: number;
  errorCodes: string[];
  /** In sandbox ms; real ms = propagationDelayMs × timeScale. */
  propagationDelayMs: number;
  timeScale: number;
  faults: Array<FaultSpec & { remaining: number }>;
}
