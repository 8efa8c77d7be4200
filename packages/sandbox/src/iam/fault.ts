/** An IAM/STS error answer: the code, HTTP status and message AWS documents for it. */
export class IamFault extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status ?? STATUS_BY_CODE[code] ?? 400;
    this.type = this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** HTTP status per error code, from the IAM / STS API references (common errors included). */
export const STATUS_BY_CODE: Record<string, number> = {
  EntityAlreadyExists: 409,
  NoSuchEntity: 404,
  LimitExceeded: 409,
  DeleteConflict: 409,
  ConcurrentModification: 409,
  MalformedPolicyDocument: 400,
  InvalidInput: 400,
  ValidationError: 400,
  Throttling: 400,
  AccessDenied: 403,
  ServiceFailure: 500,
  ServiceUnavailable: 503,
  InternalFailure: 500,
  InvalidClientTokenId: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  InvalidAction: 400,
  MissingAction: 400,
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPRejectedClaim: 403,
};

export const noSuchUser = (name: string): IamFault =>
  new IamFault('NoSuchEntity', `The user with name ${name} cannot be found.`);
