import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
} from '@aws-sdk/client-iam';
import { type Change, type Step, type StepContext, ValidationError } from '@creds/core';
import type { AwsEnv } from '../env.js';
import { AwsError, awsCall, isNoSuchEntity } from '../errors.js';
import { ownershipOf, ownershipTags } from '../ownership.js';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_ISSUER, issuerHost } from '../trust-policy.js';
import { validateAll } from '../validate.js';
import { validateScope, validateTarget } from './user.js';
import { findOidcProvider, type OidcProviderInfo, rolesTrusting } from './oidc-ops.js';

export interface OidcProviderStepOptions {
  /** Step id (default `oidc-provider`). */
  id?: string;
  dependsOn?: readonly string[];
  /** What creds sets this up for (`owner/repo` or the target name): the `creds:target` tag of a provider it creates. */
  target: string;
  /** The target's scope (see iamUserStep): its `creds:scope` tag. */
  scope?: string;
  /** Default https://token.actions.githubusercontent.com (GitHub Enterprise Server has its own). */
  url?: string;
  /** Default sts.amazonaws.com (what aws-actions/configure-aws-credentials asks for). */
  audience?: string;
  /**
   * Certificate thumbprints. AWS no longer uses them for GitHub's issuer (it trusts the issuer's CA)
   * and no longer requires them (check); none are sent unless given.
   */
  thumbprints?: readonly string[];
}

export interface OidcProviderOutput {
  arn: string;
  /** Whether this apply created the provider. */
  created: boolean;
  /** An existing provider creds did not create (adopted as is: never deleted by creds). */
  adopted: boolean;
  /** The audience was missing on an adopted provider and this apply added it: undo removes it. */
  audienceAdded: boolean;
}

const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;

/**
 * The account's OIDC identity provider for GitHub Actions. An existing one is adopted as it is
 * (only the audience is added when missing); a new one is tagged as creds'. Undo deletes only a
 * provider creds created, and only when no other role still trusts it.
 */
export function oidcProviderStep<Env extends AwsEnv = AwsEnv>(opts: OidcProviderStepOptions): Step<Env, OidcProviderOutput> {
  const url = opts.url ?? GITHUB_OIDC_ISSUER;
  const audience = opts.audience ?? GITHUB_OIDC_AUDIENCE;
  const host = issuerHost(url);
  validateAll([
    () => validateTarget(opts.target),
    () => opts.scope !== undefined && validateScope(opts.scope),
    () => {
      if (!/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url) || url.length > 255) {
        throw new ValidationError('url', `"${url}" must be an https URL of at most 255 characters`);
      }
    },
    () => {
      if (audience.length < 1 || audience.length > 255) throw new ValidationError('audience', 'must be 1-255 characters');
    },
    ...(opts.thumbprints ?? []).map((t, i) => () => {
      if (!THUMBPRINT.test(t)) throw new ValidationError(`thumbprints[${i}]`, `"${t}" is not 40 hexadecimal characters`);
    }),
  ]);
  const resource = `OIDC provider ${host}`;

  const find = (env: AwsEnv) => findOidcProvider(env.aws.iam, url);

  async function adopt(ctx: StepContext<AwsEnv>, found: OidcProviderInfo): Promise<OidcProviderOutput> {
    const owned = ownershipOf(found.tags, opts) === 'owned';
    let audienceAdded = false;
    if (!found.clientIds.includes(audience)) {
      await awsCall('iam:AddClientIDToOpenIDConnectProvider', () =>
        ctx.env.aws.iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: found.arn, ClientID: audience })),
      );
      audienceAdded = true;
      ctx.progress(`added the audience ${audience} to the existing ${resource}`);
    }
    return { arn: found.arn, created: false, adopted: !owned, audienceAdded };
  }

  return {
    id: opts.id ?? 'oidc-provider',
    title: `OIDC identity provider ${host}`,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),

    async apply(ctx) {
      const found = await find(ctx.env);
      if (found) return adopt(ctx, found);
      try {
        const out = await awsCall('iam:CreateOpenIDConnectProvider', () =>
          ctx.env.aws.iam.send(
            new CreateOpenIDConnectProviderCommand({
              Url: url,
              ClientIDList: [audience],
              ...(opts.thumbprints && opts.thumbprints.length > 0 ? { ThumbprintList: [...opts.thumbprints] } : {}),
              Tags: Object.entries(ownershipTags(opts, false)).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        );
        return { arn: out.OpenIDConnectProviderArn!, created: true, adopted: false, audienceAdded: false };
      } catch (error) {
        // Created meanwhile (another target, another tool): adopt it.
        if (error instanceof AwsError && error.code === 'ALREADY_EXISTS') {
          const now = await find(ctx.env);
          if (now) return adopt(ctx, now);
        }
        throw error;
      }
    },

    async undo(ctx, output) {
      const { iam } = ctx.env.aws;
      const found = await find(ctx.env);
      if (!found) return;
      const ours = output?.created === true || ownershipOf(found.tags, opts) === 'owned';
      if (!ours) {
        if (output?.audienceAdded) {
          await awsCall('iam:RemoveClientIDFromOpenIDConnectProvider', () =>
            iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: found.arn, ClientID: audience })),
          );
        }
        ctx.logger.info({ provider: found.arn }, 'the OIDC provider was there before creds; left in place');
        return;
      }
      const trusting = await rolesTrusting(iam, found.arn);
      if (trusting.length > 0) {
        ctx.logger.warn({ provider: found.arn, roles: trusting }, 'other roles still trust the OIDC provider; left in place');
        ctx.progress(`kept ${resource}: roles ${trusting.join(', ')} still trust it`);
        return;
      }
      try {
        await awsCall('iam:DeleteOpenIDConnectProvider', () =>
          iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: found.arn })),
        );
      } catch (error) {
        if (!isNoSuchEntity(error)) throw error;
      }
    },

    async check(ctx) {
      const found = await find(ctx.env);
      if (!found) return { inSync: false, changes: [{ action: 'create', resource, detail: `audience ${audience}` }] };
      const changes: Change[] = found.clientIds.includes(audience) ? [] : [{ action: 'update', resource, detail: `add the audience ${audience}` }];
      const notes = ownershipOf(found.tags, opts) === 'owned' ? [] : [`${resource} exists already; creds uses it and never deletes it`];
      return changes.length === 0 ? { inSync: true, notes } : { inSync: false, changes, notes };
    },
  };
}
