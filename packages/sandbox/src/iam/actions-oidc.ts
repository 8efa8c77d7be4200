import { type ActionContext, type ActionHandler, param, required, stringsParam, tagsParam } from './context.js';
import { IamFault } from './fault.js';
import { checkTags, mergeTags } from './rules.js';
import { checkClientIds, checkProviderArn, checkProviderUrl, checkThumbprints, providerArnFor } from './rules-roles.js';
import { type IamState, oidcProvidersOf, type SandboxOidcProvider } from './state.js';
import { paged } from './paging.js';
import { awsDate, tagsXml } from './xml.js';

export function findProvider(state: IamState, arn: string): SandboxOidcProvider | undefined {
  return oidcProvidersOf(state).find((p) => p.arn === arn);
}

/** The provider whose URL is a token's `iss` (what STS looks up on AssumeRoleWithWebIdentity). */
export function providerForIssuer(state: IamState, issuer: string): SandboxOidcProvider | undefined {
  const bare = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
  return oidcProvidersOf(state).find((p) => p.url.replace(/^https:\/\//, '').replace(/\/$/, '') === bare);
}

function getProvider(ctx: ActionContext): SandboxOidcProvider {
  const arn = checkProviderArn(param(ctx, 'OpenIDConnectProviderArn'));
  const provider = findProvider(ctx.state, arn);
  if (!provider) throw new IamFault('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`);
  return provider;
}

export const oidcActions: Record<string, ActionHandler> = {
  CreateOpenIDConnectProvider: {
    write: true,
    handle(ctx) {
      const url = checkProviderUrl(param(ctx, 'Url'));
      const clientIds = checkClientIds(stringsParam(ctx, 'ClientIDList'));
      const thumbprints = checkThumbprints(stringsParam(ctx, 'ThumbprintList'));
      const tags = tagsParam(ctx);
      checkTags(tags);
      const arn = providerArnFor(ctx.state.accountId, url);
      if (findProvider(ctx.state, arn)) throw new IamFault('EntityAlreadyExists', `Provider with url ${url} already exists.`);
      oidcProvidersOf(ctx.state).push({ url, arn, clientIds, thumbprints, createdAt: ctx.now, tags: mergeTags([], tags) });
      return { OpenIDConnectProviderArn: arn, Tags: tags.length > 0 ? tagsXml(tags) : undefined };
    },
  },
  GetOpenIDConnectProvider: {
    write: false,
    handle(ctx) {
      const p = getProvider(ctx);
      // IAM answers with the URL without its scheme.
      return {
        Url: p.url.replace(/^https:\/\//, ''),
        ClientIDList: p.clientIds,
        ThumbprintList: p.thumbprints,
        CreateDate: awsDate(p.createdAt),
        Tags: p.tags.length > 0 ? tagsXml(p.tags) : undefined,
      };
    },
  },
  ListOpenIDConnectProviders: {
    write: false,
    handle(ctx) {
      return { OpenIDConnectProviderList: oidcProvidersOf(ctx.state).map((p) => ({ Arn: p.arn })) };
    },
  },
  DeleteOpenIDConnectProvider: {
    write: true,
    handle(ctx) {
      const arn = checkProviderArn(param(ctx, 'OpenIDConnectProviderArn'));
      // IAM answers NoSuchEntity for a provider that is not there.
      if (!findProvider(ctx.state, arn)) throw new IamFault('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`);
      ctx.state.oidcProviders = oidcProvidersOf(ctx.state).filter((p) => p.arn !== arn);
      return undefined;
    },
  },
  AddClientIDToOpenIDConnectProvider: {
    write: true,
    handle(ctx) {
      const p = getProvider(ctx);
      const [id] = checkClientIds([required(ctx, 'ClientID')]);
      if (!p.clientIds.includes(id!)) p.clientIds = checkClientIds([...p.clientIds, id!]);
      return undefined;
    },
  },
  RemoveClientIDFromOpenIDConnectProvider: {
    write: true,
    handle(ctx) {
      const p = getProvider(ctx);
      const id = required(ctx, 'ClientID');
      p.clientIds = p.clientIds.filter((c) => c !== id);
      return undefined;
    },
  },
  TagOpenIDConnectProvider: {
    write: true,
    handle(ctx) {
      const p = getProvider(ctx);
      const tags = tagsParam(ctx);
      if (tags.length === 0) throw new IamFault('ValidationError', 'The parameter Tags is required.');
      checkTags(tags);
      p.tags = mergeTags(p.tags, tags);
      return undefined;
    },
  },
  UntagOpenIDConnectProvider: {
    write: true,
    handle(ctx) {
      const p = getProvider(ctx);
      const keys = stringsParam(ctx, 'TagKeys').map((k) => k.toLowerCase());
      if (keys.length === 0) throw new IamFault('ValidationError', 'The parameter TagKeys is required.');
      p.tags = p.tags.filter((t) => !keys.includes(t.Key.toLowerCase()));
      return undefined;
    },
  },
  ListOpenIDConnectProviderTags: {
    write: false,
    handle(ctx) {
      return paged(ctx, 'Tags', tagsXml(getProvider(ctx).tags));
    },
  },
};
