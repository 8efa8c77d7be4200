import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyActions } from './actions-keys.js';
import { oidcActions } from './actions-oidc.js';
import { policyActions } from './actions-policies.js';
import { roleActions } from './actions-roles.js';
import { stsActions } from './actions-sts.js';
import { userActions } from './actions-users.js';
import { findKey } from './actions-keys.js';
import { authenticate, authorize, parseAuthorization, secretOf } from './auth.js';
import { preciseNow } from '../spans.js';
import { CallLog } from './calls.js';
import type { ActionHandler } from './context.js';
import { createControl, type IamControl } from './control.js';
import { IamFault } from './fault.js';
import { type IamServerOptions, optionsFromEnv, type RuntimeSettings } from './options.js';
import { createRandom, ids } from './random.js';
import { verifySignature } from './signature.js';
import { initialState } from './seed.js';
import { StateHolder } from './state.js';
import { errorXml, successXml } from './xml.js';

const IAM_VERSION = '2010-05-08';
const STS_VERSION = '2011-06-15';
const NAMESPACE = { iam: 'https://iam.amazonaws.com/doc/2010-05-08/', sts: 'https://sts.amazonaws.com/doc/2011-06-15/' };
const IAM_ACTIONS: Record<string, ActionHandler> = { ...userActions, ...policyActions, ...keyActions, ...oidcActions, ...roleActions };

/** How long a new access key is refused (sandbox ms), unless told otherwise: AWS commonly takes 10-15 s. */
export const DEFAULT_PROPAGATION_DELAY_MS = 10_000;

export interface IamSandbox extends IamControl {
  /** `http://127.0.0.1:PORT` — point both AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS at it. */
  readonly url: string;
  readonly port: number;
  /** Every call answered, per action, writes vs reads. */
  readonly calls: CallLog;
  /** Environment variables that point the AWS SDK and CLI at this server with the admin key. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the IAM + STS server (AWS Query protocol) on 127.0.0.1 and a free port by default. */
export async function startIamServer(options: IamServerOptions = {}): Promise<IamSandbox> {
  const opts = { ...optionsFromEnv(), ...options };
  if (opts.timeScale !== undefined && !(opts.timeScale > 0)) throw new Error('timeScale must be a positive number');
  const random = createRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  const holder = new StateHolder(initialState(opts, random), opts.stateFile);
  const settings: RuntimeSettings = {
    latencyMs: opts.latencyMs ?? 0,
    errorRate: opts.errorRate ?? 0,
    errorCodes: opts.errorCodes ?? ['Throttling', 'ServiceFailure'],
    propagationDelayMs: opts.propagationDelayMs ?? DEFAULT_PROPAGATION_DELAY_MS,
    timeScale: opts.timeScale ?? 1,
    faults: (opts.faults ?? []).map((f) => ({ ...f, remaining: f.times ?? 1 })),
  };
  const calls = new CallLog();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = preciseNow();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const params = new URLSearchParams(body);
    const version = params.get('Version');
    const service = version === STS_VERSION ? 'sts' : 'iam';
    const action = params.get('Action') ?? '';
    const handler = service === 'sts' ? stsActions[action] : IAM_ACTIONS[action];
    const write = handler?.write ?? !/^(Get|List)/.test(action);
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);

    const requestId = ids.request(random);
    let accessKeyId: string | undefined;
    let usedBy: { accessKeyId: string; at: number; service: string; region: string } | undefined;
    // A user key that authenticated counts as used (GetAccessKeyLastUsed) whatever the call's
    // outcome; the use is written to the world even for reads.
    const recordUse = () => {
      const use = usedBy;
      if (use === undefined) return;
      holder.use(true, (state) => {
        const found = findKey(state, use.accessKeyId);
        if (found) found.key.lastUsed = { at: use.at, service: use.service, region: use.region };
      });
    };
    try {
      if (req.method !== 'POST') throw new IamFault('InvalidAction', 'Only POST with a form-encoded body is supported.');
      if (action === '') throw new IamFault('MissingAction', 'Missing Action');
      if (version !== IAM_VERSION && version !== STS_VERSION) {
        throw new IamFault('InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
      }
      if (!handler?.anonymous) {
        const { accessKeyId: signedBy } = parseAuthorization(req.headers.authorization);
        const secret = holder.use(false, (state) => secretOf(state, signedBy));
        if (secret !== undefined) await verifySignature(req, body, secret);
      }
      const result = holder.use(write, (state) => {
        const now = Date.now();
        const caller = handler?.anonymous
          ? { accessKeyId: '', arn: 'anonymous', userId: 'anonymous', region: 'us-east-1' }
          : authenticate(state, req.headers.authorization, now);
        accessKeyId = caller.accessKeyId;
        if (caller.userName !== undefined) usedBy = { accessKeyId: caller.accessKeyId, at: now, service, region: caller.region };
        if (!handler) throw new IamFault('InvalidAction', `Could not find operation ${action} for version ${version}`);
        authorize(state, caller, service, action);
        injected(action);
        return handler.handle({
          state,
          params,
          caller,
          random,
          now,
          propagationMs: settings.propagationDelayMs * settings.timeScale,
          ...(opts.listPageLimit ? { pageLimit: opts.listPageLimit } : {}),
        });
      });
      recordUse();
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(successXml(action, NAMESPACE[service], result, requestId));
      calls.record({ service, action, write, status: 200, start, ...(accessKeyId ? { accessKeyId } : {}) });
    } catch (error) {
      if (!(error instanceof IamFault)) throw error;
      recordUse();
      res.writeHead(error.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(errorXml(NAMESPACE[service], { type: error.type, code: error.code, message: error.message }, requestId));
      calls.record({ service, action, write, status: error.status, code: error.code, start, ...(accessKeyId ? { accessKeyId } : {}) });
    }
  }

  /** One-off faults first, then the random error rate. */
  function injected(action: string): void {
    const fault = settings.faults.find((f) => f.remaining > 0 && (f.action === undefined || f.action === action));
    if (fault) {
      fault.remaining -= 1;
      throw new IamFault(fault.code, fault.message ?? `Injected ${fault.code} for ${action}`, fault.status);
    }
    if (settings.errorRate > 0 && random.next() < settings.errorRate) {
      const code = settings.errorCodes[Math.floor(random.next() * settings.errorCodes.length)] ?? 'ServiceFailure';
      throw new IamFault(code, code === 'Throttling' ? 'Rate exceeded' : 'Injected failure');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const control = createControl(holder, settings, random);

  return {
    ...control,
    url,
    port,
    calls,
    env() {
      const admin = control.admin;
      return {
        AWS_ENDPOINT_URL_IAM: url,
        AWS_ENDPOINT_URL_STS: url,
        AWS_ACCESS_KEY_ID: admin.accessKeyId,
        AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
        AWS_REGION: 'us-east-1',
      };
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
}
