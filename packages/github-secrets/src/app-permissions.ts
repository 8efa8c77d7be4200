import type { InstallationAccess } from './app.js';
import { GitHubError, GitHubErrorCode } from './errors.js';

export type Access = 'read' | 'write';

/** GitHub's names of the permissions creds needs, as its settings pages show them. */
const PERMISSIONS: Record<string, { label: string; kind: 'repository' | 'organization' }> = {
  metadata: { label: 'Metadata', kind: 'repository' },
  secrets: { label: 'Secrets', kind: 'repository' },
  variables: { label: 'Variables', kind: 'repository' },
  environments: { label: 'Environments', kind: 'repository' },
  actions: { label: 'Actions', kind: 'repository' },
  administration: { label: 'Administration', kind: 'repository' },
  organization_secrets: { label: 'Secrets', kind: 'organization' },
  organization_variables: { label: 'Variables', kind: 'organization' },
};

const LEVEL = { read: 1, write: 2 } as const;
const levelText = (access: string) => (access === 'write' ? 'Read and write' : 'Read-only');

/** `Secrets: Read and write`, as the app's settings page words a permission. */
export function permissionLabel(name: string, access: string): string {
  return `${PERMISSIONS[name]?.label ?? name}: ${levelText(access)}`;
}

/** Adds a need, keeping the higher access when one is already there. */
export function need(into: Record<string, Access>, name: string, access: Access): void {
  const had = into[name];
  if (had === undefined || LEVEL[access] > LEVEL[had]) into[name] = access;
}

export interface AppInstallationInfo {
  appId: string;
  installationId: number;
  account: string;
}

/**
 * Refuses, before any write, an installation that lacks a permission the workflow needs: one error
 * naming every missing permission by its GitHub name and the app setting that grants it.
 */
export function checkAppPermissions(app: AppInstallationInfo, access: InstallationAccess, needed: Record<string, Access>): void {
  const missing = Object.entries(needed).filter(([name, want]) => {
    const has = access.permissions[name];
    return has !== 'read' && has !== 'write' ? true : LEVEL[has] < LEVEL[want];
  });
  if (missing.length === 0) return;
  const described = missing.map(([name, want]) => {
    const kind = PERMISSIONS[name]?.kind ?? 'repository';
    const has = access.permissions[name];
    return `${kind} permission "${permissionLabel(name, want)}"${has ? ` (it has "${levelText(has)}")` : ''}`;
  });
  const settings = missing.map(([name, want]) => `${PERMISSIONS[name]?.kind === 'organization' ? 'Organization' : 'Repository'} permissions → ${PERMISSIONS[name]?.label ?? name}: ${levelText(want)}`);
  throw new GitHubError(`GitHub App ${app.appId}'s installation on ${app.account} lacks the ${described.join(', the ')}`, {
    code: GitHubErrorCode.appPermissionMissing,
    hint:
      `in the app's settings (GitHub → Settings → Developer settings → GitHub Apps → the app → Permissions & events) set ${settings.join('; ')}, save, ` +
      `then approve the new permissions on the installation (${app.account}'s Settings → GitHub Apps → the app → review the request)`,
  });
}

/** Refuses a repository the installation may not use: another account's, or not among its selected repositories. */
export function checkAppRepository(app: AppInstallationInfo, access: InstallationAccess, owner: string, repo: string): void {
  const sameAccount = owner.toLowerCase() === app.account.toLowerCase();
  const selected = access.repositorySelection === 'all' || (access.repositories ?? []).some((r) => r.toLowerCase() === repo.toLowerCase());
  if (sameAccount && selected) return;
  throw new GitHubError(
    sameAccount
      ? `repository ${owner}/${repo} is not one of the repositories GitHub App ${app.appId}'s installation on ${app.account} may use`
      : `repository ${owner}/${repo} belongs to ${owner}, not to ${app.account} where GitHub App ${app.appId}'s installation ${app.installationId} is`,
    {
      code: GitHubErrorCode.appRepositoryNotSelected,
      hint: sameAccount
        ? `add ${owner}/${repo} to the installation (${app.account}'s Settings → GitHub Apps → the app → Configure → Repository access), or choose "All repositories"`
        : `install the app on ${owner} too, and leave CREDS_GITHUB_APP_INSTALLATION_ID unset so that creds finds each owner's installation`,
    },
  );
}

/** Refuses an organization other than the installation's account. */
export function checkAppOrganization(app: AppInstallationInfo, org: string): void {
  if (org.toLowerCase() === app.account.toLowerCase()) return;
  throw new GitHubError(`organization ${org} is not ${app.account}, where GitHub App ${app.appId}'s installation ${app.installationId} is`, {
    code: GitHubErrorCode.appNotInstalled,
    hint: `install the app on ${org}, and leave CREDS_GITHUB_APP_INSTALLATION_ID unset so that creds finds each owner's installation`,
  });
}
