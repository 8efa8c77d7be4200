import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** What the signer hands a hash (its SourceData). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
import { IamFault } from './fault.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** node:crypto behind the hash interface the signer takes. */
class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/**
 * Checks a request's SigV4 signature as AWS does: the request is signed again with the key's secret
 * over the headers the client said it signed, and the two signatures must be equal. A key id with
 * the wrong secret (say, one key's id with another's secret) is refused with SignatureDoesNotMatch.
 */
export async function verifySignature(req: IncomingMessage, body: string, secretAccessKey: string): Promise<void> {
  const header = req.headers.authorization ?? '';
  const credential = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(header);
  const signedHeaders = /SignedHeaders=([^,\s]+)/.exec(header)?.[1]?.split(';') ?? [];
  const signature = /Signature=([0-9a-f]+)/.exec(header)?.[1];
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(req.headers['x-amz-date'] ?? ''));
  if (!credential || !signature || !amzDate) throw new IamFault('IncompleteSignature', 'Authorization header or X-Amz-Date is incomplete.');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const [, y, mo, d, h, mi, s] = amzDate;
  const signer = new SignatureV4({
    credentials: { accessKeyId: credential[1]!, secretAccessKey },
    region: credential[3]!,
    service: credential[4]!,
    sha256: Sha256,
    // The client chose whether the payload hash is a signed header; sign the same way.
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate: new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!)) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization']))?.[1];
  if (expected !== signature) throw new IamFault('SignatureDoesNotMatch', MISMATCH, 403);
}
