import type { IncomingMessage, ServerResponse } from 'node:http';

const DOCS = 'https://docs.github.com/rest';

/** An answer other than success, with GitHub's error body `{ message, documentation_url }`. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly errors: unknown[] | undefined;
  constructor(status: number, message: string, headers: Record<string, string> = {}, errors?: unknown[]) {
    super(message);
    this.status = status;
    this.headers = headers;
    this.errors = errors;
  }
}

export const notFound = (): HttpError => new HttpError(404, 'Not Found');
export const unprocessable = (message: string): HttpError => new HttpError(422, message);

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string>): void {
  // When the answer leaves, as GitHub's front end stamps it (Node's own Date is cached per second and
  // can lag behind a write made in the same tick when the event loop is busy).
  const headers: Record<string, string> = { date: new Date().toUTCString(), ...extraHeaders, ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function errorReply(error: HttpError): Reply {
  return {
    status: error.status,
    headers: error.headers,
    body: {
      message: error.message,
      ...(error.errors ? { errors: error.errors } : {}),
      documentation_url: DOCS,
      status: String(error.status),
    },
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON body as an object; 400 when it is not JSON (GitHub: "Problems parsing JSON"). */
export function jsonBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'Problems parsing JSON');
}

/** GitHub's timestamps: ISO 8601 to the second. */
export function timestamp(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
