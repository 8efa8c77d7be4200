import { providerForIssuer } from './actions-oidc.js';
import { findRole } from './actions-roles.js';
import { type ActionHandler, param, required } from './context.js';
import { IamFault } from './fault.js';
import { ids } from './random.js';
import { rolesOf } from './state.js';
import { evaluateTrustPolicy, readWebIdentityToken } from './trust.js';
import { awsDate } from './xml.js';

const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export const stsActions: Record<string, ActionHandler> = {
  GetCallerIdentity: {
    write: false,
    handle(ctx) {
      return { UserId: ctx.caller.userId, Account: ctx.state.accountId, Arn: ctx.caller.arn };
    },
  },
  /**
   * Sandbox form of the keyless login: the token is JWT-shaped but unsigned (see
   * `unsignedWebIdentityToken`); the issuer must be an OIDC provider of the account, the audience
   * one of its client ids, and the role's trust policy must allow the claims. On success the
   * temporary credentials work for STS calls (GetCallerIdentity answers with the assumed-role ARN).
   */
  AssumeRoleWithWebIdentity: {
    write: true,
    anonymous: true,
    handle(ctx) {
      const roleArn = required(ctx, 'RoleArn');
      const sessionName = required(ctx, 'RoleSessionName');
      const token = required(ctx, 'WebIdentityToken');
      if (!SESSION_NAME.test(sessionName)) {
        throw new IamFault(
          'ValidationError',
          `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
        );
      }
      const claims = readWebIdentityToken(token);
      if (!claims) throw new IamFault('InvalidIdentityToken', 'Couldn\'t retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements');
      if (typeof claims.exp === 'number' && claims.exp * 1000 <= ctx.now) {
        throw new IamFault('ExpiredTokenException', 'Token expired: current date/time must be before the expiration date/time.');
      }
      const provider = providerForIssuer(ctx.state, claims.iss);
      if (!provider) throw new IamFault('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${claims.iss}`);
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const audience = audiences.find((a) => provider.clientIds.includes(a));
      if (audience === undefined) throw new IamFault('InvalidIdentityToken', 'Incorrect token audience');
      const m = ROLE_ARN.exec(roleArn);
      const role = m && m[1] === ctx.state.accountId ? findRole(ctx.state, m[2]!) : undefined;
      if (!role || !rolesOf(ctx.state).includes(role)) throw new IamFault('AccessDenied', NOT_AUTHORIZED);
      const decision = evaluateTrustPolicy(role.assumeRolePolicyDocument, { providerArn: provider.arn, claims });
      if (!decision.allowed) throw new IamFault('AccessDenied', NOT_AUTHORIZED);
      const duration = Number(param(ctx, 'DurationSeconds') ?? 3600);
      if (!Number.isInteger(duration) || duration < 900) {
        throw new IamFault('ValidationError', `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
      }
      if (duration > role.maxSessionDuration) {
        throw new IamFault('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
      }
      const accessKeyId = ids.sessionKey(ctx.random);
      const secretAccessKey = ids.secret(ctx.random);
      const arn = `arn:aws:sts::${ctx.state.accountId}:assumed-role/${role.roleName}/${sessionName}`;
      const userId = `${role.roleId}:${sessionName}`;
      ctx.state.principals.push({ accessKeyId, secretAccessKey, arn, userId, roleName: role.roleName });
      ctx.state.issuedSecrets.push(secretAccessKey);
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: secretAccessKey,
          SessionToken: `sandbox-session-${ids.secret(ctx.random)}`,
          Expiration: awsDate(ctx.now + duration * 1000),
        },
        SubjectFromWebIdentityToken: claims.sub,
        AssumedRoleUser: { AssumedRoleId: userId, Arn: arn },
        Provider: provider.arn,
        Audience: audience,
      };
    },
  },
};
