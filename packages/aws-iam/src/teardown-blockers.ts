import {
  GetLoginProfileCommand,
  type IAMClient,
  paginateListGroupsForUser,
  paginateListMFADevices,
  paginateListSSHPublicKeys,
} from '@aws-sdk/client-iam';
import { awsCall, awsList, orAbsent } from './errors.js';
import { iamUser, listAttachedPolicyArns, listInlinePolicyNames, type Principal } from './principal.js';

/** What creds itself puts on a user, so teardown may remove it. */
export interface CredsPart {
  /** The inline policy creds wrote (none when the config has no policy). */
  inlinePolicyName?: string | undefined;
  /** The managed policies creds attached (from the journal). */
  managedPolicyArns: readonly string[];
}

/**
 * What would stop a teardown from deleting the user, because creds did not make it and will not
 * remove it: managed policies it did not attach, inline policies it did not write, a console
 * password, MFA devices, SSH public keys and group memberships. Empty when nothing blocks.
 */
export async function teardownBlockers(iam: IAMClient, userName: string, ours: CredsPart): Promise<string[]> {
  const [policies, login, mfa, ssh, groups] = await Promise.all([
    policyBlockers(iam, iamUser(userName), ours),
    orAbsent(() => awsCall('iam:GetLoginProfile', () => iam.send(new GetLoginProfileCommand({ UserName: userName })))),
    awsList('iam:ListMFADevices', paginateListMFADevices({ client: iam }, { UserName: userName }), (p) => p.MFADevices),
    awsList('iam:ListSSHPublicKeys', paginateListSSHPublicKeys({ client: iam }, { UserName: userName }), (p) => p.SSHPublicKeys),
    awsList('iam:ListGroupsForUser', paginateListGroupsForUser({ client: iam }, { UserName: userName }), (p) => p.Groups),
  ]);
  return [
    ...policies,
    ...(login ? ['a console password (login profile)'] : []),
    ...mfa.map((d) => `MFA device ${d.SerialNumber}`),
    ...ssh.map((k) => `SSH public key ${k.SSHPublicKeyId}`),
    ...groups.map((g) => `membership of group ${g.GroupName}`),
  ];
}

/** The policies on a user or role that creds did not put there (a role has nothing else that blocks its deletion). */
export async function policyBlockers(iam: IAMClient, p: Principal, ours: CredsPart): Promise<string[]> {
  const [attached, inline] = await Promise.all([listAttachedPolicyArns(iam, p), listInlinePolicyNames(iam, p)]);
  return [
    ...attached.filter((arn) => !ours.managedPolicyArns.includes(arn)).map((arn) => `managed policy ${arn} (not attached by creds)`),
    ...inline.filter((name) => name !== ours.inlinePolicyName).map((name) => `inline policy ${name} (not written by creds)`),
  ];
}
