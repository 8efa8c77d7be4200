import type { WorkflowEntry, WorkflowRegistry } from './module.js';

// The one list of creds' workflows: the library dispatches on it, the CLI takes its choices and
// help from it, error hints name its keys. It imports nothing at run time (each module is loaded
// when it is used), so the CLI's --help reads it without loading the AWS SDK or Octokit.

export const workflowRegistry = {
  setup: {
    summary: 'IAM user, its policies and an access key; the key in the store and in the Actions secrets',
    load: async () => (await import('./setup.js')).setup,
  },
  teardown: {
    summary: 'delete the secrets, the keys, the policies creds attached and the user',
    load: async () => (await import('./teardown.js')).teardown,
  },
  rotate: {
    summary: 'a new key into the store and the secrets, verified, then the old one retired',
    load: async () => (await import('./rotate.js')).rotate,
  },
  oidc: {
    summary: 'keyless: an OIDC identity provider and a role the repository may assume',
    load: async () => (await import('./oidc.js')).oidc,
  },
  'migrate-to-oidc': {
    summary: 'the keyless role, then the key route torn down',
    load: async () => (await import('./migrate-to-oidc.js')).migrateToOidc,
  },
} as const satisfies Record<string, WorkflowEntry>;

/** A workflow creds knows. */
export type WorkflowName = keyof typeof workflowRegistry;

/** The names of a registry, for choices and error hints. */
export function workflowNames<Name extends string>(registry: WorkflowRegistry<Name>): Name[] {
  return Object.keys(registry) as Name[];
}
